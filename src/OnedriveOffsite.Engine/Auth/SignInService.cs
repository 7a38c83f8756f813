using System.Security.Cryptography;
using System.Text;
using Microsoft.Identity.Client;
using Microsoft.Identity.Client.Extensibility;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.IO;
using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Engine.Auth;

/// <summary>
/// Connect-, Get- and Disconnect-OffsiteAccount: signs in with MSAL (device code, or the authorization-code flow
/// with a pasted redirect URL), or stores a given access token; records the connection so that
/// <see cref="TokenSourceFactory"/> can serve later unattended runs.
/// </summary>
public sealed class SignInService
{
    private readonly ConfigHome _home;
    private readonly Func<HttpClient>? _httpClientFactory;
    private readonly ConnectionStore _store;

    /// <param name="httpClientFactory">Routes MSAL's HTTP (tests, emulators); null for the real network.</param>
    public SignInService(ConfigHome home, Func<HttpClient>? httpClientFactory = null)
    {
        _home = home;
        _httpClientFactory = httpClientFactory;
        _store = new ConnectionStore(home);
    }

    /// <summary>
    /// Device code flow (public client): the code and URL go to <paramref name="user"/>; MSAL polls until the user is done.
    /// </summary>
    public async Task<OffsiteAccount> ConnectWithDeviceCodeAsync(IInteractiveObserver user, CancellationToken ct)
    {
        var settings = new AppSettingsStore(_home).Load();
        var app = MsalClients.CreatePublic(settings, _store.TokenCache, _httpClientFactory);
        DescribeCache(user, settings);
        var result = await RunSignIn(() => app.AcquireTokenWithDeviceCode(GraphScopes.For(settings), code =>
        {
            // MSAL calls this on its own thread; the observer hands the text to the pipeline thread.
            user.Information(string.IsNullOrWhiteSpace(code.Message)
                ? $"To sign in, open {code.VerificationUrl} in a browser and enter the code {code.UserCode}."
                : code.Message);
            return Task.CompletedTask;
        }).ExecuteAsync(ct), ct).ConfigureAwait(false);
        return await CompleteAsync(app, settings, confidential: false, result, user).ConfigureAwait(false);
    }

    /// <summary>
    /// Authorization-code flow with PKCE: shows the sign-in URL, reads the pasted redirect URL (or code) through
    /// <paramref name="user"/>. Confidential client when a client secret is stored, else public client.
    /// </summary>
    public async Task<OffsiteAccount> ConnectWithAuthorizationCodeAsync(IInteractiveObserver user, CancellationToken ct)
    {
        var appSettings = new AppSettingsStore(_home);
        var settings = appSettings.Load();
        var scopes = GraphScopes.For(settings);
        DescribeCache(user, settings);
        var secret = settings.HasClientSecret ? appSettings.LoadClientSecret() : null;
        if (secret is null)
        {
            var app = MsalClients.CreatePublic(settings, _store.TokenCache, _httpClientFactory);
            var result = await RunSignIn(() => app.AcquireTokenInteractive(scopes)
                .WithCustomWebUi(new PastedRedirectWebUi(user))
                .WithPrompt(Prompt.SelectAccount)
                .ExecuteAsync(ct), ct).ConfigureAwait(false);
            return await CompleteAsync(app, settings, confidential: false, result, user).ConfigureAwait(false);
        }
        else
        {
            var app = MsalClients.CreateConfidential(settings, secret, _store.TokenCache, _httpClientFactory);
            var result = await RunSignIn(async () =>
            {
                // MSAL adds PKCE here but no state (docs/ONEDRIVE.md, MSAL), so we add one and check it ourselves.
                var state = Base64Url(RandomNumberGenerator.GetBytes(32));
                var url = await app.GetAuthorizationRequestUrl(scopes)
                    .WithPkce(out var verifier)
                    .WithExtraQueryParameters(new Dictionary<string, (string, bool)> { ["state"] = (state, false) })
                    .ExecuteAsync(ct).ConfigureAwait(false);
                var pasted = PastedAuthorizationResponse.Parse(await AuthorizationPrompt.AskAsync(user, url, ct).ConfigureAwait(false));
                // A bare code carries no state to check; the user typed it from their own browser.
                if (pasted.State is not null
                    && !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(pasted.State), Encoding.UTF8.GetBytes(state)))
                    throw AuthErrors.StateMismatch();
                return await app.AcquireTokenByAuthorizationCode(scopes, pasted.Code).WithPkceCodeVerifier(verifier).ExecuteAsync(ct)
                    .ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
            return await CompleteAsync(app, settings, confidential: true, result, user).ConfigureAwait(false);
        }
    }

    /// <summary>Stores an access token obtained elsewhere (cannot be refreshed) and forgets any MSAL sign-in.</summary>
    public OffsiteAccount ConnectWithAccessToken(string accessToken, IOperationObserver observer)
    {
        if (string.IsNullOrWhiteSpace(accessToken))
            throw new Errors.OffsiteException(ErrorIds.Auth.InvalidAccessToken, Errors.OffsiteErrorCategory.InvalidArgument,
                "The access token is empty.");
        var settings = new AppSettingsStore(_home).TryLoad();
        var claims = JwtClaims.Read(accessToken.Trim());
        if (claims.ExpiresOn is { } exp && exp <= DateTimeOffset.UtcNow)
            throw new Errors.OffsiteException(ErrorIds.Auth.AccessTokenExpired, Errors.OffsiteErrorCategory.InvalidArgument,
                $"The access token expired at {exp.ToUniversalTime():u}. Get a fresh one.");
        _store.TokenCache.Delete();
        _store.SaveAccessToken(accessToken.Trim());
        var record = new ConnectionRecord
        {
            Kind = ConnectionKind.AccessToken,
            ClientId = settings?.ClientId,
            UserName = claims.UserName,
            TenantId = claims.TenantId,
            Scopes = claims.Scopes,
            ConnectedOn = DateTimeOffset.UtcNow,
            ExpiresOn = claims.ExpiresOn,
        };
        _store.Save(record);
        observer.Verbose(
            $"Access token stored in '{_store.AccessTokenFile}', {ProtectedSecretFile.ProtectionDescription}. It cannot be refreshed.");
        return ToAccount(record);
    }

    /// <summary>The connected account, or null when none. Reads files only; never calls the network.</summary>
    public OffsiteAccount? GetAccount()
    {
        var record = _store.TryLoad();
        return record is null ? null : ToAccount(record);
    }

    /// <summary>Removes the record, the token cache and any stored access token. Returns whether there was a connection.</summary>
    public bool Disconnect() => _store.DeleteAll();

    private static async Task<AuthenticationResult> RunSignIn(Func<Task<AuthenticationResult>> signIn, CancellationToken ct)
    {
        try { return await signIn().ConfigureAwait(false); }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
        catch (Exception ex) { throw MsalErrors.FromSignIn(ex); }
    }

    private async Task<OffsiteAccount> CompleteAsync(IClientApplicationBase app, AppSettings settings, bool confidential,
        AuthenticationResult result, IOperationObserver observer)
    {
        // One account per config home: drop any other account an earlier sign-in left in the cache.
        foreach (var other in await app.GetAccountsAsync().ConfigureAwait(false))
        {
            if (other.HomeAccountId.Identifier != result.Account.HomeAccountId.Identifier) await app.RemoveAsync(other)
                .ConfigureAwait(false);
        }
        _store.DeleteAccessToken();
        var record = new ConnectionRecord
        {
            Kind = ConnectionKind.Msal,
            ClientId = settings.ClientId,
            Authority = settings.Authority.ToString(),
            Confidential = confidential,
            HomeAccountId = result.Account.HomeAccountId.Identifier,
            UserName = result.Account.Username,
            TenantId = result.TenantId ?? result.Account.HomeAccountId.TenantId,
            Scopes = GraphScopes.For(settings),
            ConnectedOn = DateTimeOffset.UtcNow,
        };
        _store.Save(record);
        observer.Verbose($"Signed in as '{record.UserName}'. Later runs refresh the token silently.");
        return ToAccount(record) with { AccessTokenExpiresOn = result.ExpiresOn, Scopes = result.Scopes.ToArray() };
    }

    private OffsiteAccount ToAccount(ConnectionRecord record)
    {
        DateTimeOffset? expires = record.ExpiresOn;
        DateTimeOffset? refreshed = null;
        if (record.Kind == ConnectionKind.Msal)
        {
            var contents = TokenCacheContents.Parse(_store.TokenCache.Read());
            expires = record.HomeAccountId is { } id && contents.AccessTokenExpiry.TryGetValue(id, out var e) ? e : null;
            refreshed = _store.TokenCache.ReadRefreshTokenUpdatedOn();
        }
        return new OffsiteAccount
        {
            Kind = record.Kind,
            UserName = record.UserName,
            TenantId = record.TenantId,
            Scopes = record.Scopes,
            AccessTokenExpiresOn = expires,
            RefreshTokenUpdatedOn = refreshed,
            ConnectedOn = record.ConnectedOn,
            ClientId = record.ClientId,
            Authority = record.Authority,
            ConfigPath = _home.Path,
        };
    }

    private void DescribeCache(IOperationObserver observer, AppSettings settings)
    {
        observer.Verbose($"Signing in at {settings.Authority} for {string.Join(", ", GraphScopes.For(settings))}.");
        observer.Verbose($"Token cache: '{_store.TokenCache.Path}', {ProtectedSecretFile.ProtectionDescription}.");
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
