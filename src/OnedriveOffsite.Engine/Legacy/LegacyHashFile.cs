using System.Text;

namespace OnedriveOffsite.Engine.Legacy;

/// <summary>
/// The SHA-256 the old service kept locally in /etc/onedrive-offsite/sha256hash_&lt;onedrive-dir&gt;: 64 lowercase
/// hex characters without newline (surrounding white space is tolerated).
/// </summary>
public static class LegacyHashFile
{
    private const int MaxFileBytes = 4096;

    /// <summary>Returns the hash as 64 lowercase hex characters.</summary>
    public static string Read(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw LegacyErrors.HashFileNotFound(full);
        if (new FileInfo(full).Length > MaxFileBytes) throw LegacyErrors.HashFileInvalid(full);
        return TryNormalize(Encoding.ASCII.GetString(File.ReadAllBytes(full))) ?? throw LegacyErrors.HashFileInvalid(full);
    }

    /// <summary>Trims white space and lower-cases; null unless exactly 64 hex characters remain.</summary>
    internal static string? TryNormalize(string? text)
    {
        var t = text?.Trim();
        if (t is null || t.Length != 64 || !t.All(char.IsAsciiHexDigit)) return null;
        return t.ToLowerInvariant();
    }
}
