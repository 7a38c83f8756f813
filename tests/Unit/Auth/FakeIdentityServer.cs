using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Web;

using OnedriveOffsite.GraphEmulator.Identity;

namespace OnedriveOffsite.Tests.Auth;

/// <summary>
/// A small OAuth2/OIDC authority on 127.0.0.1 (HttpListener) that MSAL talks to for real: device code with
/// authorization_pending, authorization code with S256 PKCE, refresh tokens that rotate (the old one dies at
/// once, like a strict server) and can be switched to invalid_grant. MSAL only accepts https authorities, so
/// clients use <see cref="CreateHttpClient"/>, whose handler sends the https://127.0.0.1:port requests over
/// plain http to this listener.
/// </summary>
internal sealed class FakeIdentityServer : IDisposable
{
    public const string TenantGuid = OAuthAnswers.TenantGuid;
    public const string UserObjectId = OAuthAnswers.UserObjectId;
    public const string UserName = OAuthAnswers.UserName;

    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly ConcurrentDictionary<string, int> _deviceCodes = new();
    private readonly ConcurrentDictionary<string, AuthCode> _codes = new();
    private readonly ConcurrentDictionary<string, bool> _validRefreshTokens = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _accessTokenExpiry = new();
    private readonly object _gate = new();

    public FakeIdentityServer()
    {
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }
    public Uri AuthorityHost => new($"https://127.0.0.1:{Port}");

    /// <summary>Token polls answered authorization_pending before a device code succeeds.</summary>
    public int PendingPolls { get; set; } = 1;
    public int AccessTokenLifetimeSeconds { get; set; } = 3600;
    public bool RefreshAnswersInvalidGrant { get; set; }

    public int TokenRequests;
    public int RefreshRedemptions;
    public int StaleRefreshTokenUses;
    public readonly ConcurrentQueue<string> Unexpected = new();
    public readonly ConcurrentQueue<Dictionary<string, string>> TokenRequestForms = new();
    /// <summary>Every credential this server handed out (tokens, codes): none may ever appear in user-visible text.</summary>
    public readonly ConcurrentBag<string> IssuedSecrets = new();
    public string? CurrentRefreshToken { get; private set; }

    /// <summary>Raised with every access token issued, e.g. <c>server.AccessTokenIssued += emulator.AddToken</c>.</summary>
    public event Action<string>? AccessTokenIssued;

    /// <summary>For a Graph emulator: true when this server issued the token and it has not expired (else answer 401).</summary>
    public bool IsAccessTokenValid(string token) =>
        _accessTokenExpiry.TryGetValue(token, out var expires) && expires > DateTimeOffset.UtcNow;

    /// <summary>Lets a test expire every issued access token at once (a Graph emulator then answers 401).</summary>
    public void ExpireAllAccessTokens()
    {
        foreach (var token in _accessTokenExpiry.Keys) _accessTokenExpiry[token] = DateTimeOffset.MinValue;
    }

    public HttpClient CreateHttpClient(bool followRedirects = true) =>
        new(new LoopbackHttpsRewriter(Port, Unexpected) { InnerHandler = new SocketsHttpHandler { AllowAutoRedirect = followRedirects } });

    /// <summary>Plays the user in the browser: opens the authorize URL and returns where it redirects.</summary>
    public async Task<string> SignInInBrowserAsync(Uri authorizeUrl)
    {
        using var client = CreateHttpClient(followRedirects: false);
        using var response = await client.GetAsync(authorizeUrl);
        if (response.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"authorize answered {(int)response.StatusCode}");
        return response.Headers.Location!.ToString();
    }

    public void Dispose()
    {
        _stop.Cancel();
        // Close alone: on Linux, Stop then Close removes the listener twice, and the second removal binds the port
        // again to find it, failing with "Address already in use" when another test took that port meanwhile.
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            catch (HttpListenerException) { return; }
            catch (ObjectDisposedException) { return; }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            var path = context.Request.Url!.AbsolutePath;
            var segments = path.Trim('/').Split('/');
            var tail = string.Join('/', segments.Skip(1));
            switch (context.Request.HttpMethod, tail)
            {
                case ("GET", "v2.0/.well-known/openid-configuration"):
                    await Json(context, 200, OpenIdConfiguration(segments[0]));
                    break;
                case ("POST", "oauth2/v2.0/devicecode"):
                    await DeviceCode(context);
                    break;
                case ("GET", "oauth2/v2.0/authorize"):
                    Authorize(context);
                    break;
                case ("POST", "oauth2/v2.0/token"):
                    await Token(context, segments[0]);
                    break;
                default:
                    Unexpected.Enqueue(context.Request.HttpMethod + " " + context.Request.Url);
                    await Json(context, 404, new { error = "not_found" });
                    break;
            }
        }
        catch (Exception ex)
        {
            Unexpected.Enqueue("server error: " + ex.Message);
            try { context.Response.StatusCode = 500; context.Response.Close(); } catch { }
        }
    }

    private object OpenIdConfiguration(string tenant) => OAuthAnswers.OpenIdConfiguration(Port, tenant);

    private async Task DeviceCode(HttpListenerContext context)
    {
        var form = await ReadForm(context);
        var deviceCode = Secret("device-code");
        _deviceCodes[deviceCode] = PendingPolls;
        var userCode = "FAKE" + RandomNumberGenerator.GetInt32(1000, 9999);
        await Json(context, 200, OAuthAnswers.DeviceCode(Port, deviceCode, userCode, form.GetValueOrDefault("scope", "")));
    }

    private void Authorize(HttpListenerContext context)
    {
        var q = context.Request.QueryString;
        var redirect = q["redirect_uri"]!;
        if (q["code_challenge_method"] != "S256" || string.IsNullOrEmpty(q["code_challenge"]))
        {
            context.Response.StatusCode = 400;
            context.Response.Close();
            return;
        }
        var code = Secret("auth-code");
        _codes[code] = new AuthCode(q["code_challenge"]!, redirect, q["scope"] ?? "");
        var location = redirect + (redirect.Contains('?') ? "&" : "?") + "code=" + Uri.EscapeDataString(code)
            + (q["state"] is { } state ? "&state=" + Uri.EscapeDataString(state) : "");
        context.Response.StatusCode = 302;
        context.Response.RedirectLocation = location;
        context.Response.Close();
    }

    private async Task Token(HttpListenerContext context, string tenant)
    {
        Interlocked.Increment(ref TokenRequests);
        var form = await ReadForm(context);
        TokenRequestForms.Enqueue(form);
        var scope = form.GetValueOrDefault("scope", "");
        switch (form.GetValueOrDefault("grant_type"))
        {
            case "urn:ietf:params:oauth:grant-type:device_code":
            case "device_code":
            {
                var code = form.GetValueOrDefault("device_code", "");
                if (!_deviceCodes.TryGetValue(code, out var pending)) { await Error(context, "invalid_grant"); return; }
                if (pending > 0) { _deviceCodes[code] = pending - 1; await Error(context, "authorization_pending"); return; }
                _deviceCodes.TryRemove(code, out _);
                await Issue(context, scope, form);
                return;
            }
            case "authorization_code":
            {
                var code = form.GetValueOrDefault("code", "");
                if (!_codes.TryRemove(code, out var issued)) { await Error(context, "invalid_grant"); return; }
                var verifier = form.GetValueOrDefault("code_verifier", "");
                var challenge = OAuthAnswers.Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
                if (challenge != issued.Challenge || form.GetValueOrDefault("redirect_uri") != issued.RedirectUri)
                {
                    await Error(context, "invalid_grant");
                    return;
                }
                await Issue(context, issued.Scope, form);
                return;
            }
            case "refresh_token":
            {
                var presented = form.GetValueOrDefault("refresh_token", "");
                lock (_gate)
                {
                    if (!_validRefreshTokens.TryRemove(presented, out _)) { StaleRefreshTokenUses++; presented = ""; }
                }
                if (presented.Length == 0 || RefreshAnswersInvalidGrant)
                {
                    await Error(context, "invalid_grant", "AADSTS700082: The refresh token has expired due to inactivity.");
                    return;
                }
                Interlocked.Increment(ref RefreshRedemptions);
                await Issue(context, scope, form);
                return;
            }
            default:
                await Error(context, "unsupported_grant_type");
                return;
        }
    }

    private async Task Issue(HttpListenerContext context, string scope, Dictionary<string, string> form)
    {
        var refresh = Secret("refresh-token");
        lock (_gate)
        {
            _validRefreshTokens[refresh] = true;
            CurrentRefreshToken = refresh;
        }
        await Json(context, 200, OAuthAnswers.Token(Port, form.GetValueOrDefault("client_id", ""), scope, IssueAccessToken(), refresh, AccessTokenLifetimeSeconds));
    }

    private string IssueAccessToken()
    {
        var token = Secret("access-token");
        _accessTokenExpiry[token] = DateTimeOffset.UtcNow.AddSeconds(AccessTokenLifetimeSeconds);
        AccessTokenIssued?.Invoke(token); // before the answer leaves: a Graph emulator must know it when the client uses it
        return token;
    }

    private string Secret(string kind)
    {
        var value = kind + "-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        IssuedSecrets.Add(value);
        return value;
    }

    private static async Task Error(HttpListenerContext context, string error, string? description = null) =>
        await Json(context, 400, new Dictionary<string, object> { ["error"] = error, ["error_description"] = description ?? error, ["error_codes"] = new[] { 1 } });

    private static async Task Json(HttpListenerContext context, int status, object body)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    private static async Task<Dictionary<string, string>> ReadForm(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var parsed = HttpUtility.ParseQueryString(await reader.ReadToEndAsync());
        return parsed.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => parsed[k]!);
    }


    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private sealed record AuthCode(string Challenge, string RedirectUri, string Scope);

    /// <summary>Sends MSAL's https://127.0.0.1:port requests to the plain-http listener on the same port.</summary>
    private sealed class LoopbackHttpsRewriter : DelegatingHandler
    {
        private readonly int _port;
        private readonly ConcurrentQueue<string> _unexpected;

        public LoopbackHttpsRewriter(int port, ConcurrentQueue<string> unexpected)
        {
            _port = port;
            _unexpected = unexpected;
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            if (uri.Scheme == Uri.UriSchemeHttps && uri.Host == "127.0.0.1" && uri.Port == _port)
                request.RequestUri = new UriBuilder(uri) { Scheme = Uri.UriSchemeHttp }.Uri;
            else
            {
                // MSAL swallows some failures (instance discovery), so record the attempt for the tests to see.
                _unexpected.Enqueue("left the fake server: " + request.Method + " " + uri.GetLeftPart(UriPartial.Path));
                throw new HttpRequestException($"test HttpClient refuses to leave the fake server: {uri.GetLeftPart(UriPartial.Authority)}");
            }
            return base.SendAsync(request, cancellationToken);
        }
    }
}
