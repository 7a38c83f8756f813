using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace OnedriveOffsite.Tests.Notifications;

/// <summary>
/// An independent AWS Signature Version 4 check, written from the published algorithm (canonical request,
/// string to sign, HMAC key derivation) and sharing no code with AWSSDK.Core, so a test proves what the
/// SDK put on the wire is a signature AWS would accept for these credentials.
/// </summary>
public static partial class SigV4Verifier
{
    public sealed record Parsed(string AccessKey, string Date, string Region, string Service, string[] SignedHeaders, string Signature)
    {
        public string Scope => $"{Date}/{Region}/{Service}/aws4_request";
    }

    public static Parsed Parse(string authorization)
    {
        var m = AuthorizationPattern().Match(authorization);
        if (!m.Success) throw new FormatException("not a SigV4 Authorization header: " + authorization);
        return new Parsed(m.Groups["key"].Value, m.Groups["date"].Value, m.Groups["region"].Value, m.Groups["service"].Value,
            m.Groups["headers"].Value.Split(';'), m.Groups["sig"].Value);
    }

    /// <summary>The signature the request should carry, recomputed from scratch with <paramref name="secretKey"/>.</summary>
    public static string ExpectedSignature(ReceivedHttpRequest request, Parsed auth, string secretKey)
    {
        var path = request.Target.Split('?')[0];
        var query = request.Target.Contains('?') ? request.Target.Split('?', 2)[1] : "";
        var canonicalHeaders = string.Concat(auth.SignedHeaders.Select(h => h + ":" + CollapseSpaces(request.Headers[h]) + "\n"));
        var canonicalRequest = string.Join("\n",
            request.Method, path, CanonicalQuery(query), canonicalHeaders, string.Join(";", auth.SignedHeaders), Hex(SHA256.HashData(request.Body)));
        var amzDate = request.Headers["x-amz-date"];
        var stringToSign = string.Join("\n", "AWS4-HMAC-SHA256", amzDate, auth.Scope, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest))));
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secretKey), auth.Date);
        key = Hmac(key, auth.Region);
        key = Hmac(key, auth.Service);
        key = Hmac(key, "aws4_request");
        return Hex(Hmac(key, stringToSign));
    }

    public static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string CollapseSpaces(string value) => Regex.Replace(value.Trim(), " +", " ");

    private static string CanonicalQuery(string query) => query.Length == 0 ? ""
        : string.Join("&", query.Split('&').Select(p => p.Contains('=') ? p : p + "=").OrderBy(p => p, StringComparer.Ordinal));

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<key>[^/]+)/(?<date>\d{8})/(?<region>[^/]+)/(?<service>[^/]+)/aws4_request, ?SignedHeaders=(?<headers>[^,]+), ?Signature=(?<sig>[0-9a-f]{64})$")]
    private static partial Regex AuthorizationPattern();
}
