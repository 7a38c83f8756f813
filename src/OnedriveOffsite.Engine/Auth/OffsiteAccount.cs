namespace OnedriveOffsite.Engine.Auth;

/// <summary>The connected account as users see it (Connect-/Get-OffsiteAccount). Holds no token.</summary>
public sealed record OffsiteAccount
{
    public ConnectionKind Kind { get; init; }
    public string? UserName { get; init; }
    public string? TenantId { get; init; }
    public IReadOnlyList<string> Scopes { get; init; } = Array.Empty<string>();
    /// <summary>When the current access token expires (MSAL refreshes it on the next use).</summary>
    public DateTimeOffset? AccessTokenExpiresOn { get; init; }
    /// <summary>When the cache last received a new refresh token; it dies after 90 days without one.</summary>
    public DateTimeOffset? RefreshTokenUpdatedOn { get; init; }
    public DateTimeOffset ConnectedOn { get; init; }
    public string? ClientId { get; init; }
    public string? Authority { get; init; }
    public string ConfigPath { get; init; } = "";

    /// <summary>Refresh tokens expire after 90 days unused; warn from 60 days on.</summary>
    public static readonly TimeSpan RefreshTokenWarningAge = TimeSpan.FromDays(60);

    public bool RefreshTokenAgeWarning(DateTimeOffset now) =>
        Kind == ConnectionKind.Msal && RefreshTokenUpdatedOn is { } t && now - t > RefreshTokenWarningAge;
}
