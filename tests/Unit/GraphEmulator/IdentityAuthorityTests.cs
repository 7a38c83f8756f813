using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using OnedriveOffsite.GraphEmulator;
using Xunit;

namespace OnedriveOffsite.Tests.GraphEmulator;

/// <summary>The emulator's fake identity authority (--identity), as the Pester sign-in tests rely on it.</summary>
public sealed class IdentityAuthorityTests
{
    private const string DeviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code";

    /// <summary>Full chain validation with the written PEM as the only trust anchor (what SSL_CERT_FILE gives a child process).</summary>
    private static HttpClient TrustingOnly(string pemPath)
    {
        var anchor = X509Certificate2.CreateFromPem(File.ReadAllText(pemPath));
        var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || certificate is null) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(anchor);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostForm(HttpClient http, Uri url, Dictionary<string, string> form)
    {
        using var response = await http.PostAsync(url, new FormUrlEncodedContent(form));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task DeviceCodeAndRotatingRefreshTokens_OverHttpsWithTheWrittenCertificate_IssueTokensGraphAccepts()
    {
        var pem = Path.Combine(Path.GetTempPath(), "oo-identity-" + Guid.NewGuid().ToString("N") + ".pem");
        try
        {
            await using var emu = await GraphEmulatorServer.StartAsync(new EmulatorOptions { IdentityCertificatePath = pem });
            using var http = TrustingOnly(pem);
            var authority = new Uri(emu.IdentityUri!, "consumers/");
            Assert.Equal("https", emu.IdentityUri!.Scheme);
            Assert.NotEqual(emu.BaseUri.Port, emu.IdentityUri.Port);

            using var discovery = await http.GetAsync(new Uri(authority, "v2.0/.well-known/openid-configuration"));
            Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
            // The authority is not served on the plain-http Graph port.
            using var plain = new HttpClient();
            Assert.Equal(HttpStatusCode.NotFound, (await plain.GetAsync(new Uri(emu.BaseUri, "consumers/v2.0/.well-known/openid-configuration"))).StatusCode);

            var (_, device) = await PostForm(http, new Uri(authority, "oauth2/v2.0/devicecode"), new() { ["client_id"] = "c", ["scope"] = "Files.ReadWrite offline_access" });
            Assert.Matches("FAKE[0-9]{4}", device.GetProperty("message").GetString());
            var poll = new Dictionary<string, string> { ["grant_type"] = DeviceCodeGrant, ["client_id"] = "c", ["device_code"] = device.GetProperty("device_code").GetString()! };
            var tokenUrl = new Uri(authority, "oauth2/v2.0/token");
            var (pendingStatus, pending) = await PostForm(http, tokenUrl, poll);
            Assert.Equal((HttpStatusCode.BadRequest, "authorization_pending"), (pendingStatus, pending.GetProperty("error").GetString()));
            var (_, first) = await PostForm(http, tokenUrl, poll);
            var access = first.GetProperty("access_token").GetString()!;

            emu.ExpireAccessTokens(); // the start-up token and the first access token die
            var request = new HttpRequestMessage(HttpMethod.Get, emu.GraphUri + "me/drive");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", access);
            Assert.Equal(HttpStatusCode.Unauthorized, (await plain.SendAsync(request)).StatusCode);

            var refresh = new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["client_id"] = "c", ["refresh_token"] = first.GetProperty("refresh_token").GetString()! };
            var (_, second) = await PostForm(http, tokenUrl, refresh);
            request = new HttpRequestMessage(HttpMethod.Get, emu.GraphUri + "me/drive");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", second.GetProperty("access_token").GetString());
            Assert.Equal(HttpStatusCode.OK, (await plain.SendAsync(request)).StatusCode);
            Assert.NotEqual(first.GetProperty("refresh_token").GetString(), second.GetProperty("refresh_token").GetString());
            var (reuseStatus, reuse) = await PostForm(http, tokenUrl, refresh); // the redeemed refresh token is dead
            Assert.Equal((HttpStatusCode.BadRequest, "invalid_grant"), (reuseStatus, reuse.GetProperty("error").GetString()));

            var stats = JsonDocument.Parse(await plain.GetStringAsync(new Uri(emu.BaseUri, "_emulator/identity"))).RootElement;
            Assert.Equal(1, stats.GetProperty("deviceCodeGrants").GetInt32());
            Assert.Equal(1, stats.GetProperty("refreshGrants").GetInt32());
            Assert.Equal(1, stats.GetProperty("staleRefreshTokenUses").GetInt32());
            Assert.Equal(2, stats.GetProperty("issuedAccessTokens").GetArrayLength());
        }
        finally
        {
            File.Delete(pem);
        }
    }
}
