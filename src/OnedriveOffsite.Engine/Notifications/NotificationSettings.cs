using System.Text.Json.Serialization;

namespace OnedriveOffsite.Engine.Notifications;

/// <summary>Which service delivers the notification mail.</summary>
public enum NotificationProvider
{
    None,
    Ses,
    Smtp,
}

/// <summary>Which outcomes produce a mail (flags: <c>-On Success,Failure</c>).</summary>
[Flags]
public enum NotificationTrigger
{
    None = 0,
    Success = 1,
    Failure = 2,
}

/// <summary>
/// How the SMTP connection is secured. <see cref="Auto"/> means implicit TLS on port 465 and mandatory
/// STARTTLS elsewhere: never a silent fall-back to plain text, because credentials travel on this connection.
/// </summary>
public enum SmtpSecurity
{
    Auto,
    None,
    SslOnConnect,
    StartTls,
    StartTlsWhenAvailable,
}

/// <summary>
/// The stored notification configuration (notification.json). Holds no secret: the SMTP password lives in
/// <see cref="NotificationStore"/>'s separate protected file, AWS keys come from the AWS credential chain.
/// </summary>
public sealed record NotificationSettings
{
    public NotificationProvider Provider { get; init; } = NotificationProvider.None;
    public IReadOnlyList<string> To { get; init; } = Array.Empty<string>();
    public string From { get; init; } = "";
    public string? FromName { get; init; }
    public NotificationTrigger On { get; init; } = NotificationTrigger.Success | NotificationTrigger.Failure;
    public SesSettings? Ses { get; init; }
    public SmtpSettings? Smtp { get; init; }
    /// <summary>A dead man's switch pinged at start, success and failure (healthchecks.io style); independent of mail.</summary>
    public Uri? HealthCheckUrl { get; init; }

    /// <summary>True when a run with this outcome should be mailed.</summary>
    public bool Wants(bool succeeded) => On.HasFlag(succeeded ? NotificationTrigger.Success : NotificationTrigger.Failure);
}

/// <summary>
/// SES options. <see cref="Endpoint"/> overrides <c>https://email.&lt;region&gt;.amazonaws.com</c> (VPC endpoints, tests).
/// </summary>
public sealed record SesSettings
{
    public string Region { get; init; } = "";
    public string? Profile { get; init; }
    public Uri? Endpoint { get; init; }

    [JsonIgnore]
    public Uri EffectiveEndpoint => Endpoint ?? new Uri($"https://email.{Region}.amazonaws.com");
}

/// <summary>
/// SMTP options. <see cref="CertificateThumbprint"/> pins one server certificate (SHA-256 or SHA-1 hex) so a
/// self-signed server can be trusted without turning certificate validation off for everything.
/// </summary>
public sealed record SmtpSettings
{
    public string Server { get; init; } = "";
    public int Port { get; init; }
    public SmtpSecurity Security { get; init; } = SmtpSecurity.Auto;
    public string? UserName { get; init; }
    public string? CertificateThumbprint { get; init; }

    /// <summary>
    /// The user's explicit opt-out (-AllowUnencryptedCredential): send the login without TLS. Without it a configured
    /// login travels only over TLS (implicit or STARTTLS); a server that offers neither gets no credentials.
    /// </summary>
    public bool AllowUnencryptedCredential { get; init; }

    /// <summary>True when a login is configured and the connection settings would allow it to travel in plain text.</summary>
    [JsonIgnore]
    public bool MaySendCredentialUnencrypted => !string.IsNullOrEmpty(UserName) && Security is SmtpSecurity.None
        or SmtpSecurity.StartTlsWhenAvailable;

    /// <summary>The port used when none was given: 465 for implicit TLS, 25 for plain, else 587 (submission).</summary>
    [JsonIgnore]
    public int EffectivePort => Port > 0 ? Port : Security switch
    {
        SmtpSecurity.SslOnConnect => 465,
        SmtpSecurity.None => 25,
        _ => 587,
    };
}
