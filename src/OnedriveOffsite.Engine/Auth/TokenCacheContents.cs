using System.Globalization;
using System.Text.Json;

namespace OnedriveOffsite.Engine.Auth;

/// <summary>
/// Reads what we need from MSAL's V3 cache JSON (the format shared by all MSAL libraries: sections
/// "AccessToken", "RefreshToken", each a map of entries with home_account_id, secret, expires_on) without
/// building an MSAL client: which refresh tokens it holds (to notice rotation) and when access tokens expire
/// (for Get-OffsiteAccount). Unknown or missing fields are ignored; nothing here is ever shown to users.
/// </summary>
internal sealed class TokenCacheContents
{
    private TokenCacheContents(HashSet<string> refreshTokens, Dictionary<string, DateTimeOffset> accessTokenExpiry)
    {
        RefreshTokenSecrets = refreshTokens;
        AccessTokenExpiry = accessTokenExpiry;
    }

    public IReadOnlySet<string> RefreshTokenSecrets { get; }
    /// <summary>Latest access-token expiry per home account id.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> AccessTokenExpiry { get; }

    public static readonly TokenCacheContents Empty = new(new HashSet<string>(), new Dictionary<string, DateTimeOffset>());

    public static TokenCacheContents Parse(byte[]? serialized)
    {
        if (serialized is null || serialized.Length == 0) return Empty;
        var refresh = new HashSet<string>(StringComparer.Ordinal);
        var expiry = new Dictionary<string, DateTimeOffset>(StringComparer.OrdinalIgnoreCase);
        try
        {
            using var doc = JsonDocument.Parse(serialized);
            foreach (var entry in Entries(doc.RootElement, "RefreshToken"))
            {
                if (entry.TryGetProperty("secret", out var secret)
                    && secret.ValueKind == JsonValueKind.String) refresh.Add(secret.GetString()!);
            }
            foreach (var entry in Entries(doc.RootElement, "AccessToken"))
            {
                if (!entry.TryGetProperty("home_account_id", out var id) || id.ValueKind != JsonValueKind.String) continue;
                if (!entry.TryGetProperty("expires_on", out var on)
                    || !long.TryParse(on.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)) continue;
                var when = DateTimeOffset.FromUnixTimeSeconds(seconds);
                var key = id.GetString()!;
                if (!expiry.TryGetValue(key, out var known) || when > known) expiry[key] = when;
            }
        }
        catch (JsonException) { return Empty; }
        return new TokenCacheContents(refresh, expiry);
    }

    private static IEnumerable<JsonElement> Entries(JsonElement root, string section)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(section, out var map)
            || map.ValueKind != JsonValueKind.Object) yield break;
        foreach (var property in map.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Object) yield return property.Value;
        }
    }
}
