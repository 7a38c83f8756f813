using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Notifications;

/// <summary>The stable error ids of the notification feature, and helpers that build them.</summary>
public static class NotificationErrors
{
    /// <summary>The mail could not be delivered (connection, TLS, authentication, or the service refused it).</summary>
    public const string NotificationFailed = ErrorIds.Notifications.NotificationFailed;
    /// <summary>No notification is configured (Send-OffsiteTestNotification, or provider None).</summary>
    public const string NotificationNotConfigured = ErrorIds.Notifications.NotificationNotConfigured;
    /// <summary>notification.json (or its secret file) is unreadable, or a setting is invalid.</summary>
    public const string NotificationSettingsInvalid = ErrorIds.Notifications.NotificationSettingsInvalid;
    /// <summary>No AWS credentials could be found (default chain or the named profile).</summary>
    public const string NotificationCredentialsNotFound = ErrorIds.Notifications.NotificationCredentialsNotFound;

    public static OffsiteException Failed(string message, OffsiteErrorCategory category = OffsiteErrorCategory.ConnectionError,
        object? target = null) =>
        new(NotificationFailed, category, message, target);

    public static OffsiteException Invalid(string message, object? target = null) =>
        new(NotificationSettingsInvalid, OffsiteErrorCategory.InvalidArgument, message, target);
}
