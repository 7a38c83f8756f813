using System.Management.Automation;
using OnedriveOffsite.Engine.Auth;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

/// <summary>
/// Shows the connected account (user, tenant, scopes, token expiry) from the config home without contacting the
/// network, and warns when the refresh token is close to its 90-day inactivity limit.
/// </summary>
[Cmdlet(VerbsCommon.Get, "OffsiteAccount")]
[OutputType(typeof(OffsiteAccountInfo))]
public sealed class GetOffsiteAccountCommand : OffsiteCmdlet
{
    protected override void ProcessRecord()
    {
        var home = Home;
        try
        {
            var account = new SignInService(home).GetAccount()
                ?? throw new OffsiteException(ErrorIds.Auth.NotConnected, OffsiteErrorCategory.AuthenticationError,
                $"No account is connected for the config home '{home.Path}'. Run Connect-OffsiteAccount first.", home.Path);
            var now = DateTimeOffset.UtcNow;
            if (account.RefreshTokenAgeWarning(now) && account.RefreshTokenUpdatedOn is { } refreshed)
            {
                WriteWarning(
                    $"The sign-in was last renewed {(int)(now - refreshed).TotalDays} days ago. Refresh tokens expire after 90 days " +
                    $"without use " +
                    $"(here about {refreshed.AddDays(90).ToUniversalTime():yyyy-MM-dd}); run a backup or Connect-OffsiteAccount before " +
                        $"then.");
            }
            if (account.Kind == ConnectionKind.AccessToken && account.AccessTokenExpiresOn is { } expires && expires <= now)
                WriteWarning($"The stored access token expired at {expires.ToUniversalTime():u}. Run Connect-OffsiteAccount again.");
            WriteObject(OffsiteAccountInfo.From(account));
        }
        catch (OffsiteException ex)
        {
            WriteOffsiteError(ex, home.Path);
        }
    }
}
