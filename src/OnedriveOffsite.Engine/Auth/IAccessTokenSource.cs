namespace OnedriveOffsite.Engine.Auth;

/// <summary>
/// Where every Graph request gets its bearer token. Implementations are thread-safe and cheap while a valid
/// token is cached, so callers ask before each request instead of holding on to a token.
/// </summary>
public interface IAccessTokenSource
{
    /// <summary>
    /// A valid access token. Pass <paramref name="forceRefresh"/> = true once after Graph answered 401, then retry
    /// the request once; a second 401 is a real failure. Throws OffsiteException <c>SignInRequired</c> when no
    /// token can be had without the user (never blocks waiting for a browser).
    /// </summary>
    Task<string> GetAccessTokenAsync(bool forceRefresh, CancellationToken ct);
}
