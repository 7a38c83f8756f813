using System.Buffers.Binary;
using System.Security.Cryptography;

namespace OnedriveOffsite.Engine.Legacy;

/// <summary>
/// One decoded Fernet token: 0x80 ‖ 8-byte big-endian timestamp ‖ 16-byte IV ‖ AES-128-CBC/PKCS7 ciphertext ‖
/// 32-byte HMAC-SHA256 over everything before it. Hand-written because no maintained .NET Fernet library is
/// among our dependencies and the format is small; the crypto itself is the BCL's.
/// </summary>
internal static class FernetToken
{
    public const byte Version = 0x80;
    private const int HeaderLength = 1 + 8 + 16;
    private const int MacLength = 32;
    /// <summary>The smallest decoded token: header, one AES block, MAC.</summary>
    public const int MinLength = HeaderLength + 16 + MacLength;

    public enum Check { Ok, Malformed, BadVersion, BadSignature }

    /// <summary>
    /// Checks the structure, the version and then the HMAC (constant-time) — all before anything is decrypted.
    /// </summary>
    public static Check Verify(ReadOnlySpan<byte> token, LegacyKey key)
    {
        if (token.Length < MinLength || (token.Length - HeaderLength - MacLength) % 16 != 0) return Check.Malformed;
        if (token[0] != Version) return Check.BadVersion;
        Span<byte> mac = stackalloc byte[MacLength];
        HMACSHA256.HashData(key.SigningKey, token[..^MacLength], mac);
        return CryptographicOperations.FixedTimeEquals(mac, token[^MacLength..]) ? Check.Ok : Check.BadSignature;
    }

    public static DateTimeOffset Timestamp(ReadOnlySpan<byte> token) =>
        DateTimeOffset.FromUnixTimeSeconds((long)Math.Min(BinaryPrimitives.ReadUInt64BigEndian(token[1..9]), 253402300799UL));

    /// <summary>
    /// Decrypts a verified token in place: the plaintext overwrites the ciphertext and is returned as a slice of
    /// <paramref name="token"/> (no second 30 MB buffer). Throws <see cref="CryptographicException"/> on bad padding.
    /// </summary>
    public static Span<byte> DecryptInPlace(Span<byte> token, Aes aes)
    {
        var iv = token[9..HeaderLength];
        var cipher = token[HeaderLength..^MacLength];
        var written = aes.DecryptCbc(cipher, iv, cipher, PaddingMode.PKCS7);
        return cipher[..written];
    }
}
