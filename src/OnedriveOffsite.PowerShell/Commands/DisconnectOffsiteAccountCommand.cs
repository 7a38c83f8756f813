using System.Management.Automation;
using OnedriveOffsite.Engine.Auth;
using OnedriveOffsite.Infrastructure;

namespace OnedriveOffsite.Commands;

/// <summary>Forgets the connected account: removes the token cache, any stored access token and the connection record.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "OffsiteAccount", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class DisconnectOffsiteAccountCommand : OffsiteCmdlet
{
    protected override void ProcessRecord()
    {
        var home = Home;
        if (!ShouldProcess(home.Path, "Remove the cached sign-in tokens")) return;
        try
        {
            var removed = new SignInService(home).Disconnect();
            WriteVerbose(removed ? $"Signed out: tokens removed from '{home.Path}'." : "No account was connected.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowOffsiteError(ex, home.Path);
        }
    }
}
