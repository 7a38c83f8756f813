using Microsoft.Identity.Client;
using OnedriveOffsite.Engine.Config;

namespace OnedriveOffsite.Engine.Auth;

/// <summary>
/// Builds MSAL client applications from the app settings, with the token cache bound to the config home.
/// Public client (device code, pasted redirect without secret) or confidential client (a client secret is set).
/// </summary>
internal static class MsalClients
{
    // Microsoft's login hosts (public and national clouds). Any other host is a test server or private
    // deployment: MSAL must not ask login.microsoftonline.com to "discover" it (see docs/ONEDRIVE.md, MSAL: offline that call
    // fails silently and a real machine gets AADSTS50049 invalid_instance).
    private static readonly HashSet<string> KnownLoginHosts = new(StringComparer.OrdinalIgnoreCase)
    {
        "login.microsoftonline.com", "login.microsoft.com", "login.windows.net", "sts.windows.net",
        "login.microsoftonline.us", "login.usgovcloudapi.net", "login-us.microsoftonline.com",
        "login.chinacloudapi.cn", "login.partner.microsoftonline.cn", "login.microsoftonline.de",
    };

    public static bool IsKnownCloud(Uri authorityHost) => KnownLoginHosts.Contains(authorityHost.Host);

    public static IPublicClientApplication CreatePublic(AppSettings settings, TokenCacheFile cache, Func<HttpClient>? httpClientFactory)
    {
        var app = Configure(PublicClientApplicationBuilder.Create(settings.ClientId), settings, httpClientFactory).Build();
        TokenCacheBinding.Bind(app.UserTokenCache, cache);
        return app;
    }

    public static IConfidentialClientApplication CreateConfidential(AppSettings settings, string clientSecret, TokenCacheFile cache,
        Func<HttpClient>? httpClientFactory)
    {
        var app =
            Configure(ConfidentialClientApplicationBuilder.Create(settings.ClientId).WithClientSecret(clientSecret), settings,
            httpClientFactory).Build();
        TokenCacheBinding.Bind(app.UserTokenCache, cache);
        return app;
    }

    /// <summary>What public and confidential clients share: redirect URI, client name, the authority (instance
    /// discovery only for Microsoft's own clouds, see docs/ONEDRIVE.md) and, in tests, the HTTP client.</summary>
    private static T Configure<T>(T builder, AppSettings settings, Func<HttpClient>? httpClientFactory) where T
        : AbstractApplicationBuilder<T>
    {
        builder = builder.WithRedirectUri(settings.EffectiveRedirectUri.ToString()).WithClientName("OnedriveOffsite")
            .WithClientVersion(Version);
        builder = IsKnownCloud(settings.AuthorityHost)
            ? builder.WithAuthority(settings.Authority.ToString())
            : builder.WithAuthority(settings.Authority.ToString(), validateAuthority: false).WithInstanceDiscovery(false);
        return httpClientFactory is null ? builder : builder.WithHttpClientFactory(new FuncHttpClientFactory(httpClientFactory));
    }

    private static string Version => typeof(MsalClients).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>Lets callers (tests, emulators) hand MSAL their own HttpClient without depending on MSAL types.</summary>
    private sealed class FuncHttpClientFactory : IMsalHttpClientFactory
    {
        private readonly Func<HttpClient> _create;
        private HttpClient? _client;

        public FuncHttpClientFactory(Func<HttpClient> create) => _create = create;

        // MSAL asks for a client per request; one shared HttpClient keeps connections pooled.
        public HttpClient GetHttpClient() => LazyInitializer.EnsureInitialized(ref _client, _create);
    }
}
