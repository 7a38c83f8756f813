using System.Text;
using System.Text.Json;

namespace OnedriveOffsite.Engine.Auth;

/// <summary>
/// Best-effort reading of a JWT access token's payload (expiry, user, tenant) for display. No validation:
/// nothing is trusted from it, and Microsoft's consumer tokens are not JWTs at all (then everything is null).
/// </summary>
internal sealed record JwtClaims(DateTimeOffset? ExpiresOn, string? UserName, string? TenantId, string[] Scopes)
{
    public static readonly JwtClaims None = new(null, null, null, Array.Empty<string>());

    public static JwtClaims Read(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3) return None;
        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
            using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
            var root = doc.RootElement;
            DateTimeOffset? exp = root.TryGetProperty("exp", out var e)
                && e.TryGetInt64(out var s) ? DateTimeOffset.FromUnixTimeSeconds(s) : null;
            var user = Str(root, "upn") ?? Str(root, "preferred_username") ?? Str(root, "unique_name") ?? Str(root, "email");
            var scopes = Str(root, "scp")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? Array.Empty<string>();
            return new JwtClaims(exp, user, Str(root, "tid"), scopes);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException) { return None; }
    }

    private static string? Str(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
