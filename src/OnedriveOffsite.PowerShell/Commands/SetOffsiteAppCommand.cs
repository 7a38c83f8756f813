using System.Management.Automation;
using System.Net;
using System.Security;
using OnedriveOffsite.Engine.Auth;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

/// <summary>
/// Stores the Azure app registration used to sign in: client id, tenant, optional client secret, scope mode and
/// endpoints. Parameters left out take their defaults (not the previous values); the stored client secret is
/// kept only when the client id stays the same and neither -ClientSecret nor -RemoveClientSecret is given.
/// </summary>
[Cmdlet(VerbsCommon.Set, "OffsiteApp", SupportsShouldProcess = true, DefaultParameterSetName = DefaultSet)]
[OutputType(typeof(OffsiteAppInfo))]
public sealed class SetOffsiteAppCommand : OffsiteCmdlet
{
    private const string DefaultSet = "Default";
    private const string SecretSet = "ClientSecret";
    private const string RemoveSecretSet = "RemoveClientSecret";

    /// <summary>The app registration's "Application (client) ID".</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string ClientId { get; set; } = "";

    /// <summary>common, consumers (personal accounts), organizations (work/school), a tenant id or domain.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string TenantId { get; set; } = AppSettings.DefaultTenant;

    /// <summary>A client secret: the authorization-code flow then signs in as a confidential client.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SecretSet)]
    public SecureString? ClientSecret { get; set; }

    /// <summary>Removes a stored client secret.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RemoveSecretSet)]
    public SwitchParameter RemoveClientSecret { get; set; }

    /// <summary>AppFolder (Files.ReadWrite.AppFolder, the default) or Drive (Files.ReadWrite, with -DriveFolder).</summary>
    [Parameter]
    [ValidateSet(nameof(ScopeMode.AppFolder), nameof(ScopeMode.Drive))]
    public string Scope { get; set; } = nameof(ScopeMode.AppFolder);

    /// <summary>The drive folder that holds the backups in Drive mode, e.g. Backups/Offsite.</summary>
    [Parameter]
    public string? DriveFolder { get; set; }

    /// <summary>Graph root without version (default https://graph.microsoft.com); national clouds and test servers.</summary>
    [Parameter]
    public Uri? GraphEndpoint { get; set; }

    /// <summary>Login host (default https://login.microsoftonline.com).</summary>
    [Parameter]
    public Uri? AuthorityHost { get; set; }

    /// <summary>Redirect URI of the authorization-code flow (default: the login host's /common/oauth2/nativeclient).</summary>
    [Parameter]
    public Uri? RedirectUri { get; set; }

    /// <summary>
    /// Default upload bandwidth limit of every backup (all parallel transfers together): bytes per second (10MB),
    /// 'off', or a timetable like '08:00,1M 19:00,off'. A run's own -MaxUploadRate overrides it.
    /// </summary>
    [Parameter]
    public string? MaxUploadRate { get; set; }

    /// <summary>Default download bandwidth limit of every restore and Test-OffsiteBackup -Full; same forms as -MaxUploadRate.</summary>
    [Parameter]
    public string? MaxDownloadRate { get; set; }

    /// <summary>Returns the stored settings.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var home = Home;
        var store = new AppSettingsStore(home);
        try
        {
            var settings = new AppSettings
            {
                ClientId = ClientId.Trim(),
                TenantId = TenantId.Trim(),
                ScopeMode = Enum.Parse<ScopeMode>(Scope, ignoreCase: true),
                DriveFolder = AppSettings.NormalizeDriveFolder(DriveFolder),
                GraphEndpoint = GraphEndpoint ?? AppSettings.DefaultGraphEndpoint,
                AuthorityHost = AuthorityHost ?? AppSettings.DefaultAuthorityHost,
                RedirectUri = RedirectUri,
                MaxUploadRate = Engine.IO.BandwidthSchedule.Parse(MaxUploadRate)?.Text,
                MaxDownloadRate = Engine.IO.BandwidthSchedule.Parse(MaxDownloadRate)?.Text,
            }.Validate();
            var secret = SecretToStore(store);
            if (!ShouldProcess(home.AppSettingsFile,
                $"Store app registration {settings.ClientId} ({settings.TenantId}, {settings.ScopeMode})")) return;
            var saved = store.Save(settings, secret);
            WriteVerbose($"App settings stored in '{home.AppSettingsFile}'"
                + (saved.HasClientSecret
                ? $"; client secret in '{store.ClientSecretFile}', {Engine.IO.ProtectedSecretFile.ProtectionDescription}." : "."));
            WarnIfSignInNoLongerFits(home, saved);
            if (PassThru) WriteObject(OffsiteAppInfo.From(saved, home));
        }
        catch (OffsiteException ex)
        {
            ThrowOffsiteError(ex, ClientId);
        }
    }

    /// <summary>A value replaces the secret, "" removes it, null keeps it (see the class remarks).</summary>
    private string? SecretToStore(AppSettingsStore store)
    {
        if (ClientSecret is not null)
        {
            var plain = new NetworkCredential(string.Empty, ClientSecret).Password;
            if (string.IsNullOrEmpty(plain)) ThrowError(ErrorIds.App.InvalidClientSecret, ErrorCategory.InvalidArgument,
                "The client secret is empty.", null);
            return plain;
        }
        if (RemoveClientSecret) return "";
        AppSettings? existing;
        try { existing = store.TryLoad(); }
        catch (OffsiteException) { existing = null; } // a corrupt file is being replaced
        // A secret belongs to one app registration; never pair it with another client id.
        return existing is not null && string.Equals(existing.ClientId, ClientId.Trim(), StringComparison.OrdinalIgnoreCase) ? null : "";
    }

    private void WarnIfSignInNoLongerFits(ConfigHome home, AppSettings saved)
    {
        ConnectionRecord? record;
        try { record = new ConnectionStore(home).TryLoad(); }
        catch (OffsiteException) { return; }
        if (record is not { Kind: ConnectionKind.Msal }) return;
        var fits = string.Equals(record.ClientId, saved.ClientId, StringComparison.OrdinalIgnoreCase)
            && string.Equals(record.Authority, saved.Authority.ToString(), StringComparison.OrdinalIgnoreCase)
            && record.Scopes.SequenceEqual(GraphScopes.For(saved), StringComparer.OrdinalIgnoreCase);
        if (!fits) WriteWarning(
            $"The account '{record.UserName}' signed in with different app settings. Run Connect-OffsiteAccount again before the next " +
            $"backup.");
    }
}
