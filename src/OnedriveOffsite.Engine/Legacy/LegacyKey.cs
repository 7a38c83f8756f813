using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace OnedriveOffsite.Engine.Legacy;

/// <summary>
/// The Fernet key of the old service: 44 characters of url-safe base64 encoding 32 bytes, the first 16 the
/// HMAC-SHA256 signing key, the last 16 the AES-128 key. The bytes never leave this object except into the
/// crypto primitives; <see cref="ToString"/> shows nothing of them.
/// </summary>
public sealed class LegacyKey
{
    private const int MaxFileBytes = 1024;
    private readonly byte[] _signingKey;
    private readonly byte[] _encryptionKey;

    private LegacyKey(byte[] signingKey, byte[] encryptionKey)
    {
        _signingKey = signingKey;
        _encryptionKey = encryptionKey;
    }

    internal ReadOnlySpan<byte> SigningKey => _signingKey;
    internal byte[] EncryptionKey => _encryptionKey;

    /// <summary>Reads the key file (for example /etc/onedrive-offsite/onedrive-offsite.key).</summary>
    public static LegacyKey Load(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw LegacyErrors.KeyNotFound(full);
        byte[] bytes;
        using (var fs = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            // A key file is 44 bytes; do not read an arbitrary large file given by mistake.
            if (fs.Length > MaxFileBytes) throw LegacyErrors.KeyInvalid(full);
            bytes = new byte[fs.Length];
            fs.ReadExactly(bytes);
        }
        try
        {
            return TryParse(Encoding.ASCII.GetString(bytes)) ?? throw LegacyErrors.KeyInvalid(full);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Parses the key text; one trailing newline (or surrounding white space) is tolerated.</summary>
    public static LegacyKey Parse(string text) => TryParse(text) ?? throw LegacyErrors.KeyInvalid(null);

    public override string ToString() => "LegacyKey (secret, not shown)";

    private static LegacyKey? TryParse(string? text)
    {
        if (text is null) return null;
        var trimmed = text.Trim();
        if (trimmed.Length != 44) return null;
        var raw = new byte[44];
        var decoded = new byte[33];
        try
        {
            for (var i = 0; i < 44; i++)
            {
                var c = trimmed[i];
                if (c > 0x7f) return null;
                raw[i] = UrlSafeBase64.ToStandard((byte)c);
            }
            if (Base64.DecodeFromUtf8(raw, decoded, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
                return null;
            return new LegacyKey(decoded[..16], decoded[16..32]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
            CryptographicOperations.ZeroMemory(decoded);
        }
    }
}
