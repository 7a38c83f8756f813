using System.Security.Cryptography;
using System.Text;
using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Crypto;

/// <summary>
/// The 256-bit master key. Text form (key file and disaster-recovery copy, docs/FORMAT.md §2):
/// <c>OOK2-</c> + base64 of the 32 bytes followed by a 4-byte checksum, so a mistyped paper copy is refused
/// instead of becoming a key that decrypts nothing. The older <c>OOK1-</c> form (no checksum) is still read.
/// The key id (first 8 bytes of HKDF-SHA256(K, info "onedrive-offsite key-id"), hex) identifies a key without
/// revealing it. <see cref="ToString"/> shows only the key id.
/// </summary>
public sealed class MasterKey
{
    public const string TextPrefix = "OOK2-";
    public const string LegacyTextPrefix = "OOK1-";
    public const int Length = 32;
    public const int ChecksumLength = 4;
    private static readonly byte[] ChecksumDomain = Encoding.ASCII.GetBytes("onedrive-offsite key-check");
    private readonly byte[] _key;

    private MasterKey(byte[] key)
    {
        _key = key;
        KeyId = Convert.ToHexString(KeyDerivation.KeyId(key)).ToLowerInvariant();
    }

    /// <summary>16 lowercase hex characters.</summary>
    public string KeyId { get; }

    /// <summary>The raw 8 key-id bytes as stored in headers.</summary>
    public byte[] KeyIdBytes => Convert.FromHexString(KeyId);

    public static MasterKey Generate() => new(RandomNumberGenerator.GetBytes(Length));

    public static MasterKey FromBytes(ReadOnlySpan<byte> key)
    {
        if (key.Length != Length) throw Invalid("a key is 32 bytes");
        return new MasterKey(key.ToArray());
    }

    public static MasterKey Parse(string text)
    {
        var trimmed = (text ?? string.Empty).Trim();
        if (trimmed.StartsWith(LegacyTextPrefix, StringComparison.Ordinal)) return FromBytes(Base64(trimmed[LegacyTextPrefix.Length..]));
        if (!trimmed.StartsWith(TextPrefix, StringComparison.Ordinal)) throw Invalid($"the text form must start with '{TextPrefix}' (or '{LegacyTextPrefix}' for keys made before checksums)");
        var bytes = Base64(trimmed[TextPrefix.Length..]);
        if (bytes.Length != Length + ChecksumLength) throw Invalid($"an {TextPrefix} key is {Length + ChecksumLength} bytes (48 base64 characters) but this text has {bytes.Length}; a character is missing or extra");
        var key = bytes.AsSpan(0, Length);
        if (!CryptographicOperations.FixedTimeEquals(Checksum(key), bytes.AsSpan(Length)))
            throw new OffsiteException("KeyChecksumMismatch", OffsiteErrorCategory.InvalidData,
                "The key text does not match its checksum: it was mistyped or damaged (look for confused characters such as l/I/1, O/0, +/-).");
        return FromBytes(key);
    }

    public static MasterKey Load(string path)
    {
        if (!File.Exists(path))
            throw new OffsiteException(ErrorIds.Keys.KeyNotFound, OffsiteErrorCategory.ObjectNotFound,
                $"No encryption key at '{path}'. Create one with New-OffsiteKey (or import your saved copy with New-OffsiteKey -FromText).", path);
        return Parse(File.ReadAllText(path, Encoding.UTF8));
    }

    /// <summary>The text form. Only for writing the owner-only key file or showing it once on explicit request.</summary>
    public string ToText() => TextPrefix + Convert.ToBase64String([.. _key, .. Checksum(_key)]);

    /// <summary>The first 4 bytes of SHA-256("onedrive-offsite key-check" ‖ K). Detects typos; it is not a key id.</summary>
    private static byte[] Checksum(ReadOnlySpan<byte> key) =>
        SHA256.HashData([.. ChecksumDomain, .. key])[..ChecksumLength];

    private static byte[] Base64(string text)
    {
        // Convert.FromBase64String ignores white space, so a copy typed in groups or over two lines still reads.
        try { return Convert.FromBase64String(text); }
        catch (FormatException) { throw Invalid("the characters after the prefix are not valid base64"); }
    }

    internal ReadOnlySpan<byte> Bytes => _key;

    public override string ToString() => $"MasterKey {KeyId}";

    private static OffsiteException Invalid(string why) =>
        new(ErrorIds.Keys.KeyInvalid, OffsiteErrorCategory.InvalidData, $"The encryption key is not valid: {why}.");
}
