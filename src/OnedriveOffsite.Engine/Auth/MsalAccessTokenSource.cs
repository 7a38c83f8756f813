using Microsoft.Identity.Client;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Engine.Auth;

/// <summary>
/// Access tokens for unattended runs from the MSAL cache that Connect-OffsiteAccount filled: AcquireTokenSilent
/// with the cached account, so MSAL refreshes (and the rotated refresh token is persisted) whenever the access
/// token is within 5 minutes of expiry, also hours into a long upload. Never prompts: when the refresh token is
/// dead it fails at once with <c>SignInRequired</c>.
/// </summary>
public sealed class MsalAccessTokenSource : IAccessTokenSource
{
    /// <summary>MSAL itself refreshes 5 minutes early; the fast path uses the same margin.</summary>
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromMinutes(5);
    /// <summary>
    /// Several parallel workers can get a 401 for the same old token; the first forced refresh serves them all.
    /// A token fetched from the identity service this recently is not force-refreshed again.
    /// </summary>
    private static readonly TimeSpan ForcedRefreshDebounce = TimeSpan.FromSeconds(10);
    /// <summary>A refresh is one HTTP round trip (MSAL's own timeout is 100 s); a waiting run gives up after this.</summary>
    private static readonly TimeSpan RefreshLockTimeout = TimeSpan.FromMinutes(3);

    private readonly ConnectionStore _store;
    private readonly ConnectionRecord _record;
    private readonly IClientApplicationBase _app;
    private readonly string[] _scopes;
    private readonly IOperationObserver _observer;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IAccount? _account;
    private volatile TokenSnapshot? _current;

    /// <summary>
    /// Reads the app settings and the connection from <paramref name="home"/>. <paramref name="httpClientFactory"/>
    /// lets tests and emulators route MSAL's HTTP (e.g. to a loopback identity server).
    /// Throws AppNotConfigured, NotConnected, or SignInRequired when the stored sign-in no longer fits the app settings.
    /// </summary>
    public MsalAccessTokenSource(ConfigHome home, Func<HttpClient>? httpClientFactory = null, IOperationObserver? observer = null)
    {
        _observer = observer ?? NullObserver.Instance;
        _store = new ConnectionStore(home);
        var settings = new AppSettingsStore(home).Load();
        _record = _store.Load();
        if (_record.Kind != ConnectionKind.Msal) throw AuthErrors.SignInRequired("The connection is not an MSAL sign-in.");
        _scopes = GraphScopes.For(settings);
        if (!string.Equals(_record.ClientId, settings.ClientId, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(_record.Authority, settings.Authority.ToString(), StringComparison.OrdinalIgnoreCase)
            || !_record.Scopes.SequenceEqual(_scopes, StringComparer.OrdinalIgnoreCase))
            throw AuthErrors.SignInRequired(
                "The app settings (client id, tenant, login host, Graph endpoint or scope mode) changed since the last sign-in.");
        if (_record.Confidential)
        {
            var secret = new AppSettingsStore(home).LoadClientSecret()
                ?? throw AuthErrors.SignInRequired("The sign-in used a client secret, which Set-OffsiteApp has since removed.");
            _app = MsalClients.CreateConfidential(settings, secret, _store.TokenCache, httpClientFactory);
        }
        else
        {
            _app = MsalClients.CreatePublic(settings, _store.TokenCache, httpClientFactory);
        }
        _observer.Verbose($"Token cache: '{_store.TokenCache.Path}', {IO.ProtectedSecretFile.ProtectionDescription}.");
    }

    public string? UserName => _record.UserName;

    public async Task<string> GetAccessTokenAsync(bool forceRefresh, CancellationToken ct)
    {
        var current = _current;
        if (!forceRefresh && current is not null && current.ExpiresOn - DateTimeOffset.UtcNow > ExpiryMargin) return current.AccessToken;

        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Re-check: another worker may have refreshed while this one waited.
            current = _current;
            if (current is not null)
            {
                var fresh = current.ExpiresOn - DateTimeOffset.UtcNow > ExpiryMargin;
                if (fresh && (!forceRefresh || (current.FromNetwork && DateTimeOffset.UtcNow - current.FetchedOn < ForcedRefreshDebounce)))
                    return current.AccessToken;
            }
            return await AcquireSilentAsync(forceRefresh, ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<string> AcquireSilentAsync(bool forceRefresh, CancellationToken ct)
    {
        // The refresh lock spans the whole acquisition: a second run waits here and then finds the refreshed
        // tokens in the cache instead of redeeming the refresh token this run just rotated away.
        using var refreshLock = await FileLock.AcquireAsync(_store.TokenCache.RefreshLockPath, RefreshLockTimeout, ct)
            .ConfigureAwait(false);
        AuthenticationResult result;
        try
        {
            _account ??= await _app.GetAccountAsync(_record.HomeAccountId).ConfigureAwait(false)
                ?? throw AuthErrors.SignInRequired("The token cache holds no sign-in for this account.");
            result = await _app.AcquireTokenSilent(_scopes, _account).WithForceRefresh(forceRefresh).ExecuteAsync(ct).ConfigureAwait(false);
        }
        catch (OffsiteException) { throw; }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
        catch (Exception ex) { throw MsalErrors.FromSilent(ex); }

        var fromNetwork = result.AuthenticationResultMetadata?.TokenSource == TokenSource.IdentityProvider;
        _current = new TokenSnapshot(result.AccessToken, result.ExpiresOn, DateTimeOffset.UtcNow, fromNetwork);
        if (fromNetwork) _observer.Verbose($"Access token refreshed; valid until {result.ExpiresOn.ToUniversalTime():u}.");
        return result.AccessToken;
    }

    private sealed record TokenSnapshot(string AccessToken, DateTimeOffset ExpiresOn, DateTimeOffset FetchedOn, bool FromNetwork)
    {
        // Records print their members; this one holds a token.
        public override string ToString() => $"Access token valid until {ExpiresOn:u}";
    }
}
