using System.Management.Automation;
using System.Net;
using System.Security;
using OnedriveOffsite.Engine.Auth;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

/// <summary>
/// Signs in to Microsoft with the app of Set-OffsiteApp and caches the tokens so later unattended runs refresh
/// silently: device code flow (default; works over SSH), the authorization-code flow with a pasted redirect URL
/// (-AuthorizationCode), or an access token obtained elsewhere (-AccessToken; cannot be refreshed).
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "OffsiteAccount", SupportsShouldProcess = true, DefaultParameterSetName = DeviceCodeSet)]
[OutputType(typeof(OffsiteAccountInfo))]
public sealed class ConnectOffsiteAccountCommand : OffsiteCmdlet
{
    private const string DeviceCodeSet = "DeviceCode";
    private const string AuthorizationCodeSet = "AuthorizationCode";
    private const string AccessTokenSet = "AccessToken";

    /// <summary>Device code flow (the default): open the URL shown on any device and enter the code.</summary>
    [Parameter(ParameterSetName = DeviceCodeSet)]
    public SwitchParameter DeviceCode { get; set; }

    /// <summary>Shows a sign-in URL; after signing in, paste the address the browser lands on (or just the code).</summary>
    [Parameter(Mandatory = true, ParameterSetName = AuthorizationCodeSet)]
    public SwitchParameter AuthorizationCode { get; set; }

    /// <summary>An access token obtained elsewhere (automation, tests). It is stored protected and never refreshed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AccessTokenSet)]
    public SecureString? AccessToken { get; set; }

    protected override void ProcessRecord()
    {
        var home = Home;
        if (!ShouldProcess(home.Path, "Sign in and store the tokens")) return;
        var service = new SignInService(home);
        try
        {
            var account = ParameterSetName switch
            {
                AccessTokenSet => RunEngine((o, _) =>
                    Task.FromResult(service.ConnectWithAccessToken(new NetworkCredential(string.Empty, AccessToken).Password, o))),
                AuthorizationCodeSet => RunEngine((o, ct) => service.ConnectWithAuthorizationCodeAsync((IInteractiveObserver)o, ct)),
                _ => RunEngine((o, ct) => service.ConnectWithDeviceCodeAsync((IInteractiveObserver)o, ct)),
            };
            WriteObject(OffsiteAccountInfo.From(account));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            ThrowOffsiteError(ex, home.Path);
        }
    }
}
