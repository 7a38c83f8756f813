using System.Management.Automation;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Notifications;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

/// <summary>
/// <para type="synopsis">Configures the mail sent after every backup and restore (Amazon SES or any SMTP server).</para>
/// <para type="description">Replaces the whole notification configuration. SES uses the AWS credential chain
/// (environment, shared credentials file, container/instance role) or -Profile; no AWS key is stored here.
/// SMTP stores the -Credential password in an owner-only file (DPAPI-protected on Windows). -Provider None
/// removes the configuration and the stored password.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "OffsiteNotification", SupportsShouldProcess = true, DefaultParameterSetName = NoneSet)]
[OutputType(typeof(OffsiteNotificationInfo))]
public sealed class SetOffsiteNotificationCommand : OffsiteCmdlet
{
    private const string SesSet = "Ses";
    private const string SmtpSet = "Smtp";
    private const string NoneSet = "None";

    /// <summary>Ses, Smtp, or None to turn notifications off.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public OffsiteNotificationProvider Provider { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = SesSet)]
    [Parameter(Mandatory = true, ParameterSetName = SmtpSet)]
    [ValidateNotNullOrEmpty]
    public string[] To { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = SesSet)]
    [Parameter(Mandatory = true, ParameterSetName = SmtpSet)]
    [ValidateNotNullOrEmpty]
    public string From { get; set; } = "";

    [Parameter(ParameterSetName = SesSet)]
    [Parameter(ParameterSetName = SmtpSet)]
    public string? FromName { get; set; }

    /// <summary>Which outcomes are mailed: Success, Failure, or both (the default).</summary>
    [Parameter(ParameterSetName = SesSet)]
    [Parameter(ParameterSetName = SmtpSet)]
    public OffsiteNotificationTrigger On { get; set; } = OffsiteNotificationTrigger.Success | OffsiteNotificationTrigger.Failure;

    /// <summary>The SES region, e.g. us-east-1 (also the SigV4 signing region).</summary>
    [Parameter(Mandatory = true, ParameterSetName = SesSet)]
    [ValidateNotNullOrEmpty]
    public string Region { get; set; } = "";

    /// <summary>An AWS profile of the shared credentials/config file; default: the AWS default credential chain.</summary>
    [Parameter(ParameterSetName = SesSet)]
    public string? Profile { get; set; }

    /// <summary>Another SES endpoint (VPC interface endpoint, tests); default https://email.&lt;region&gt;.amazonaws.com.</summary>
    [Parameter(ParameterSetName = SesSet)]
    public Uri? SesEndpoint { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = SmtpSet)]
    [ValidateNotNullOrEmpty]
    public string SmtpServer { get; set; } = "";

    /// <summary>Default: 465 with -Security SslOnConnect, 25 with None, else 587.</summary>
    [Parameter(ParameterSetName = SmtpSet)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>
    /// Auto (implicit TLS on port 465, required STARTTLS elsewhere), SslOnConnect, StartTls,
    /// StartTlsWhenAvailable, or None (plain text; only for a local relay).
    /// </summary>
    [Parameter(ParameterSetName = SmtpSet)]
    public OffsiteSmtpSecurity Security { get; set; } = OffsiteSmtpSecurity.Auto;

    /// <summary>SMTP login; the password is stored protected and never shown.</summary>
    [Parameter(ParameterSetName = SmtpSet)]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Trust exactly this server certificate (SHA-256 or SHA-1 hex), e.g. a self-signed one.</summary>
    [Parameter(ParameterSetName = SmtpSet)]
    public string? CertificateThumbprint { get; set; }

    /// <summary>
    /// Accept sending the SMTP login unencrypted (-Security None or StartTlsWhenAvailable with a server without TLS).
    /// Without it a credential only ever travels over TLS.
    /// </summary>
    [Parameter(ParameterSetName = SmtpSet)]
    public SwitchParameter AllowUnencryptedCredential { get; set; }

    /// <summary>
    /// A dead man's switch (healthchecks.io-style ping URL) told when each backup or restore starts (/start),
    /// succeeds (the URL itself) or fails (/fail), with or without mail (-Provider None keeps only the ping).
    /// </summary>
    [Parameter]
    public Uri? HealthCheckUrl { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        RequireMatchingParameterSet();
        var store = new NotificationStore(Home);
        var settings = BuildSettings();
        var password = Credential?.GetNetworkCredential().Password;
        if (settings.Smtp is { MaySendCredentialUnencrypted: true, AllowUnencryptedCredential: true })
            WriteWarning(
                $"-Security {Security} with -AllowUnencryptedCredential may send the SMTP password unencrypted; use it only with a " +
                $"relay on this host.");

        var action = Provider == OffsiteNotificationProvider.None
            ? (HealthCheckUrl is null ? "Remove the notification settings"
                : $"Send no mail; ping the health check at {HealthCheckUrl.Host}")
            : $"Send {On} notifications through {Provider} to {string.Join(", ", To)}";
        if (!ShouldProcess(store.SettingsPath, action)) return;
        try
        {
            store.Save(settings, password);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            ThrowOffsiteError(ex, store.SettingsPath);
        }
        if (PassThru) WriteObject(OffsiteNotificationInfo.Create(store.Load(), File.Exists(store.SecretPath), store.SettingsPath));
    }

    private NotificationSettings BuildSettings() => Provider switch
    {
        OffsiteNotificationProvider.None =>
            new NotificationSettings { Provider = NotificationProvider.None, HealthCheckUrl = HealthCheckUrl },
        _ => new NotificationSettings
        {
            Provider = Provider.ToEngine(),
            To = To,
            From = From,
            FromName = FromName,
            On = On.ToEngine(),
            HealthCheckUrl = HealthCheckUrl,
            Ses = Provider == OffsiteNotificationProvider.Ses
                ? new SesSettings { Region = Region, Profile = Profile, Endpoint = SesEndpoint } : null,
            Smtp = Provider == OffsiteNotificationProvider.Smtp
                ? new SmtpSettings { Server = SmtpServer, Port = Port, Security = Security.ToEngine(), UserName = Credential?.UserName,
                    CertificateThumbprint = CertificateThumbprint,
                    AllowUnencryptedCredential = AllowUnencryptedCredential }
                : null,
        },
    };

    /// <summary>PowerShell picks the parameter set from the options given; -Provider must agree with it.</summary>
    private void RequireMatchingParameterSet()
    {
        if (ParameterSetName == Provider.ToString()) return;
        var needs = Provider switch
        {
            OffsiteNotificationProvider.Ses => "-Provider Ses needs -To, -From and -Region (and no SMTP options).",
            OffsiteNotificationProvider.Smtp => "-Provider Smtp needs -To, -From and -SmtpServer (and no SES options).",
            _ => "-Provider None takes no other notification options.",
        };
        ThrowError(ErrorIds.Notifications.NotificationProviderMismatch, ErrorCategory.InvalidArgument, needs, Provider);
    }
}
