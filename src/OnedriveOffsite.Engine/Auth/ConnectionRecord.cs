namespace OnedriveOffsite.Engine.Auth;

/// <summary>How Connect-OffsiteAccount signed in: decides which token source later runs use.</summary>
public enum ConnectionKind
{
    /// <summary>MSAL sign-in; tokens in the MSAL cache, refreshed silently.</summary>
    Msal,
    /// <summary>An access token handed to Connect-OffsiteAccount -AccessToken; cannot be refreshed.</summary>
    AccessToken,
}

/// <summary>
/// What Connect stored about the connection (no secrets): enough to find the account in the token cache and to
/// notice when Set-OffsiteApp changed the app since (then the old tokens no longer fit).
/// </summary>
public sealed record ConnectionRecord
{
    public ConnectionKind Kind { get; init; }
    public string? ClientId { get; init; }
    public string? Authority { get; init; }
    /// <summary>True when MSAL signed in as a confidential client (client secret); silent refresh must do the same.</summary>
    public bool Confidential { get; init; }
    public string? HomeAccountId { get; init; }
    public string? UserName { get; init; }
    public string? TenantId { get; init; }
    public string[] Scopes { get; init; } = Array.Empty<string>();
    public DateTimeOffset ConnectedOn { get; init; }
    /// <summary>Expiry of a static access token, when it is a JWT we could read.</summary>
    public DateTimeOffset? ExpiresOn { get; init; }
}
