using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OnedriveOffsite.GraphEmulator.Http;

namespace OnedriveOffsite.GraphEmulator.Identity;

/// <summary>
/// A minimal OAuth2/OIDC authority for MSAL (device code and refresh-token grants, what unattended runs need),
/// served over HTTPS on its own port. Device codes are approved automatically after one
/// <c>authorization_pending</c>; refresh tokens rotate (the redeemed one dies at once, like a strict server) and
/// can be switched to answer <c>invalid_grant</c>. Every access token it issues is accepted by the Graph side.
/// Same behaviour as the unit tests' FakeIdentityServer, but reachable from another process (Pester).
/// </summary>
internal sealed class IdentityAuthority(AccessTokens graphTokens, TimeSpan accessTokenLifetime)
{
    public const string TenantGuid = OAuthAnswers.TenantGuid;
    public const string UserObjectId = OAuthAnswers.UserObjectId;
    public const string UserName = OAuthAnswers.UserName;

    private readonly object _gate = new();
    private readonly ConcurrentDictionary<string, int> _deviceCodes = new();
    private readonly HashSet<string> _validRefreshTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _issuedAccessTokens = new();
    private readonly ConcurrentQueue<string> _issuedRefreshTokens = new();
    private int _deviceCodeRequests, _deviceCodeGrants, _pendingAnswers, _refreshGrants, _invalidGrantAnswers, _staleRefreshTokenUses;

    /// <summary>Port of the HTTPS listener; requests on other ports are not for the authority (404).</summary>
    public int Port { get; set; }

    public volatile bool RefreshAnswersInvalidGrant;

    public static void Map(WebApplication app, IdentityAuthority authority)
    {
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (HttpContext ctx, string tenant) => authority.Guard(ctx, () => authority.OpenIdConfiguration(ctx, tenant)));
        app.MapPost("/{tenant}/oauth2/v2.0/devicecode", (HttpContext ctx, string tenant) => authority.Guard(ctx, () => authority.DeviceCode(ctx)));
        app.MapPost("/{tenant}/oauth2/v2.0/token", (HttpContext ctx, string tenant) => authority.Guard(ctx, () => authority.Token(ctx)));
    }

    /// <summary>Counters and every token issued (for tests that search outputs for leaked secrets).</summary>
    public object Describe() => new
    {
        deviceCodeRequests = _deviceCodeRequests,
        deviceCodeGrants = _deviceCodeGrants,
        authorizationPendingAnswers = _pendingAnswers,
        refreshGrants = _refreshGrants,
        invalidGrantAnswers = _invalidGrantAnswers,
        staleRefreshTokenUses = _staleRefreshTokenUses,
        refreshAnswersInvalidGrant = RefreshAnswersInvalidGrant,
        issuedAccessTokens = _issuedAccessTokens.ToArray(),
        issuedRefreshTokens = _issuedRefreshTokens.ToArray(),
    };

    private Task Guard(HttpContext ctx, Func<Task> handle) =>
        ctx.Connection.LocalPort == Port ? handle() : Error(ctx, 404, "not_found", "The identity authority listens on its own HTTPS port.");

    private Task OpenIdConfiguration(HttpContext ctx, string tenant) => Json(ctx, 200, OAuthAnswers.OpenIdConfiguration(Port, tenant));

    private async Task DeviceCode(HttpContext ctx)
    {
        Interlocked.Increment(ref _deviceCodeRequests);
        var form = await ctx.Request.ReadFormAsync();
        var deviceCode = Secret("device-code");
        _deviceCodes[deviceCode] = 1; // one authorization_pending, then approved: the "user" is quick
        var userCode = "FAKE" + RandomNumberGenerator.GetInt32(1000, 9999);
        await Json(ctx, 200, OAuthAnswers.DeviceCode(Port, deviceCode, userCode, form["scope"].ToString()));
    }

    private async Task Token(HttpContext ctx)
    {
        var form = await ctx.Request.ReadFormAsync();
        var scope = form["scope"].ToString();
        switch (form["grant_type"].ToString())
        {
            case "urn:ietf:params:oauth:grant-type:device_code" or "device_code":
            {
                var code = form["device_code"].ToString();
                if (!_deviceCodes.TryGetValue(code, out var pending)) { await Error(ctx, 400, "invalid_grant", "Unknown device code."); return; }
                if (pending > 0)
                {
                    _deviceCodes[code] = pending - 1;
                    Interlocked.Increment(ref _pendingAnswers);
                    await Error(ctx, 400, "authorization_pending", "AADSTS70016: the user has not yet finished signing in.");
                    return;
                }
                _deviceCodes.TryRemove(code, out _);
                Interlocked.Increment(ref _deviceCodeGrants);
                await Issue(ctx, scope, form["client_id"].ToString());
                return;
            }
            case "refresh_token":
            {
                bool valid;
                lock (_gate) valid = _validRefreshTokens.Remove(form["refresh_token"].ToString());
                if (!valid) Interlocked.Increment(ref _staleRefreshTokenUses);
                if (!valid || RefreshAnswersInvalidGrant)
                {
                    Interlocked.Increment(ref _invalidGrantAnswers);
                    await Error(ctx, 400, "invalid_grant", "AADSTS700082: The refresh token has expired due to inactivity.");
                    return;
                }
                Interlocked.Increment(ref _refreshGrants);
                await Issue(ctx, scope, form["client_id"].ToString());
                return;
            }
            default:
                await Error(ctx, 400, "unsupported_grant_type", "Only device_code and refresh_token grants are emulated.");
                return;
        }
    }

    private Task Issue(HttpContext ctx, string scope, string clientId)
    {
        var refresh = Secret("refresh-token");
        lock (_gate) _validRefreshTokens.Add(refresh);
        _issuedRefreshTokens.Enqueue(refresh);
        var access = Secret("access-token");
        _issuedAccessTokens.Enqueue(access);
        graphTokens.Add(access);
        return Json(ctx, 200, OAuthAnswers.Token(Port, clientId, scope, access, refresh, (long)accessTokenLifetime.TotalSeconds));
    }

    private static string Secret(string kind) => kind + "-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    private static Task Error(HttpContext ctx, int status, string error, string description) =>
        Json(ctx, status, new Dictionary<string, object> { ["error"] = error, ["error_description"] = description, ["error_codes"] = new[] { 1 } });

    private static Task Json(HttpContext ctx, int status, object body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        return ctx.Response.WriteAsync(JsonSerializer.Serialize(body, GraphResponses.JsonOptions));
    }
}
