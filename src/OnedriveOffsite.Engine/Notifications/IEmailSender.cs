namespace OnedriveOffsite.Engine.Notifications;

/// <summary>
/// Delivers one mail to the configured recipients. Failures are <see cref="Errors.OffsiteException"/>s with secrets masked.
/// </summary>
public interface IEmailSender
{
    /// <summary>Sends the mail; returns the service's message id (SES) or server reply (SMTP), when there is one.</summary>
    Task<string?> SendAsync(NotificationMessage message, CancellationToken cancellationToken);
}

/// <summary>Builds the sender for a configuration (the one place that knows every provider).</summary>
public static class EmailSenders
{
    public static IEmailSender Create(NotificationSettings settings, string? smtpPassword) => settings.Provider switch
    {
        NotificationProvider.Ses => new SesEmailSender(settings),
        NotificationProvider.Smtp => new SmtpEmailSender(settings, smtpPassword),
        _ => throw new Errors.OffsiteException(NotificationErrors.NotificationNotConfigured, Errors.OffsiteErrorCategory.ObjectNotFound,
            "No notification is configured. Use Set-OffsiteNotification first."),
    };
}
