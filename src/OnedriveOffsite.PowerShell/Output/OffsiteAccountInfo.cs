using OnedriveOffsite.Engine.Auth;

namespace OnedriveOffsite.Output;

/// <summary>The connected account as Connect-/Get-OffsiteAccount show it. Never holds a token.</summary>
public sealed class OffsiteAccountInfo
{
    public string? UserName { get; init; }
    public string? TenantId { get; init; }
    /// <summary>"Msal" (refreshed silently) or "AccessToken" (a token given to -AccessToken; not refreshable).</summary>
    public string SignInMethod { get; init; } = "";
    public string[] Scopes { get; init; } = Array.Empty<string>();
    public DateTimeOffset? AccessTokenExpiresOn { get; init; }
    /// <summary>When a new refresh token last arrived; sign-in lapses 90 days after it if unused.</summary>
    public DateTimeOffset? RefreshTokenUpdatedOn { get; init; }
    public DateTimeOffset ConnectedOn { get; init; }
    public string? ClientId { get; init; }
    public string? Authority { get; init; }
    public string ConfigPath { get; init; } = "";

    internal static OffsiteAccountInfo From(OffsiteAccount account) => new()
    {
        UserName = account.UserName,
        TenantId = account.TenantId,
        SignInMethod = account.Kind.ToString(),
        Scopes = account.Scopes.ToArray(),
        AccessTokenExpiresOn = account.AccessTokenExpiresOn,
        RefreshTokenUpdatedOn = account.RefreshTokenUpdatedOn,
        ConnectedOn = account.ConnectedOn,
        ClientId = account.ClientId,
        Authority = account.Authority,
        ConfigPath = account.ConfigPath,
    };

    public override string ToString() => UserName ?? "(unknown user)";
}
