using OnedriveOffsite.Commands;
using OnedriveOffsite.Engine.Notifications;

namespace OnedriveOffsite.Output;

/// <summary>
/// What Get-/Set-OffsiteNotification show: the configuration without any secret. For SMTP only whether a
/// password is stored (<see cref="HasPassword"/>); for SES the profile name, never keys.
/// No field has an engine type (see NotificationParameterTypes.cs).
/// </summary>
public sealed class OffsiteNotificationInfo
{
    public OffsiteNotificationProvider Provider { get; init; }
    public string[] To { get; init; } = Array.Empty<string>();
    public string? From { get; init; }
    public string? FromName { get; init; }
    public OffsiteNotificationTrigger On { get; init; }
    public string? Region { get; init; }
    public string? Profile { get; init; }
    public Uri? SesEndpoint { get; init; }
    public string? SmtpServer { get; init; }
    public int? Port { get; init; }
    public OffsiteSmtpSecurity? Security { get; init; }
    public string? UserName { get; init; }
    public bool HasPassword { get; init; }
    public string? CertificateThumbprint { get; init; }
    public string? SettingsPath { get; init; }
    /// <summary>The health check's scheme and host only: the full ping URL lets anyone report a success.</summary>
    public string? HealthCheck { get; init; }

    public static OffsiteNotificationInfo Create(NotificationSettings? settings, bool hasPassword, string settingsPath)
    {
        var healthCheck = settings?.HealthCheckUrl is { } url ? $"{url.Scheme}://{url.Authority}/…" : null;
        if (settings is null || settings.Provider == NotificationProvider.None)
            return new OffsiteNotificationInfo { Provider = OffsiteNotificationProvider.None, On = OffsiteNotificationTrigger.None,
                SettingsPath = settingsPath, HealthCheck = healthCheck };
        return new OffsiteNotificationInfo
        {
            Provider = NotificationMapping.FromEngine(settings.Provider),
            To = settings.To.ToArray(),
            From = settings.From,
            FromName = settings.FromName,
            On = NotificationMapping.FromEngine(settings.On),
            Region = settings.Ses?.Region,
            Profile = settings.Ses?.Profile,
            SesEndpoint = settings.Ses?.Endpoint,
            SmtpServer = settings.Smtp?.Server,
            Port = settings.Smtp?.EffectivePort,
            Security = settings.Smtp is { } smtp ? NotificationMapping.FromEngine(smtp.Security) : null,
            UserName = settings.Smtp?.UserName,
            HasPassword = hasPassword,
            CertificateThumbprint = settings.Smtp?.CertificateThumbprint,
            SettingsPath = settingsPath,
            HealthCheck = healthCheck,
        };
    }

    public override string ToString() => Provider == OffsiteNotificationProvider.None ? "None" : $"{Provider} -> {string.Join(", ", To)}";
}
