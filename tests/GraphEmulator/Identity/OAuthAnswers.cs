using System.Text.Json;

namespace OnedriveOffsite.GraphEmulator.Identity;

/// <summary>
/// The bodies a fake Microsoft identity authority answers with, shared by the emulator's HTTPS authority
/// (<see cref="IdentityAuthority"/>) and the in-process one of the unit tests (FakeIdentityServer): the OpenID
/// configuration, the device-code answer, and a token answer with an (unsigned, which MSAL accepts) id_token and
/// client_info naming one fixed user.
/// </summary>
public static class OAuthAnswers
{
    public const string TenantGuid = "9188040d-6c67-4c5b-b112-36a304b66dad";
    public const string UserObjectId = "00000000-0000-0000-1234-567890abcdef";
    public const string UserName = "admin@example.test";
    private static readonly string[] ReservedScopes = ["openid", "profile", "offline_access"];

    public static Dictionary<string, object> OpenIdConfiguration(int port, string tenant)
    {
        var root = $"https://127.0.0.1:{port}/{tenant}";
        return new Dictionary<string, object>
        {
            ["issuer"] = Issuer(port),
            ["authorization_endpoint"] = root + "/oauth2/v2.0/authorize",
            ["token_endpoint"] = root + "/oauth2/v2.0/token",
            ["device_authorization_endpoint"] = root + "/oauth2/v2.0/devicecode",
            ["response_types_supported"] = new[] { "code" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
        };
    }

    public static Dictionary<string, object> DeviceCode(int port, string deviceCode, string userCode, string scope)
    {
        var url = $"https://127.0.0.1:{port}/devicelogin";
        return new Dictionary<string, object>
        {
            ["device_code"] = deviceCode,
            ["user_code"] = userCode,
            ["verification_uri"] = url,
            ["expires_in"] = 900,
            ["interval"] = 1,
            ["message"] = $"To sign in, use a web browser to open the page {url} and enter the code {userCode} to authenticate.",
            ["scope"] = scope,
        };
    }

    public static Dictionary<string, object> Token(int port, string clientId, string scope, string accessToken, string refreshToken, long lifetimeSeconds)
    {
        var granted = string.Join(' ', scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(s => !ReservedScopes.Contains(s)));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        // MSAL reads the user from the id_token and the home account from client_info.
        var idToken = Base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}"u8.ToArray()) + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["aud"] = clientId,
            ["iss"] = Issuer(port),
            ["iat"] = now, ["nbf"] = now, ["exp"] = now + 3600,
            ["name"] = "Backup Admin", ["preferred_username"] = UserName,
            ["oid"] = UserObjectId, ["sub"] = "subject-" + UserObjectId, ["tid"] = TenantGuid, ["ver"] = "2.0",
        })) + ".fakesignature";
        return new Dictionary<string, object>
        {
            ["token_type"] = "Bearer",
            ["scope"] = granted,
            ["expires_in"] = lifetimeSeconds,
            ["ext_expires_in"] = lifetimeSeconds,
            ["access_token"] = accessToken,
            ["refresh_token"] = refreshToken,
            ["id_token"] = idToken,
            ["client_info"] = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { uid = UserObjectId, utid = TenantGuid })),
        };
    }

    private static string Issuer(int port) => $"https://127.0.0.1:{port}/{TenantGuid}/v2.0";

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
