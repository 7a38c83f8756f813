namespace OnedriveOffsite.Commands;

// The cmdlet-side twins of the engine's notification enums (same names and values). Cmdlet and output classes
// must not have fields of engine types: PowerShell loads those classes at Import-Module, before the module
// initializer can resolve the engine into its private load context. NotificationMapping converts by name.

/// <summary>Which service delivers the notification mail; None turns notifications off.</summary>
public enum OffsiteNotificationProvider
{
    None,
    Ses,
    Smtp,
}

/// <summary>Which outcomes are mailed (-On Success,Failure).</summary>
[Flags]
public enum OffsiteNotificationTrigger
{
    None = 0,
    Success = 1,
    Failure = 2,
}

/// <summary>How the SMTP connection is secured (see Set-OffsiteNotification -Security).</summary>
public enum OffsiteSmtpSecurity
{
    Auto,
    None,
    SslOnConnect,
    StartTls,
    StartTlsWhenAvailable,
}
