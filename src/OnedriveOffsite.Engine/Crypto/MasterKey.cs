using System.Security.Cryptography;
using System.Text;
using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Crypto;

/// <summary>
/// The 256-bit master key. Text form (key file and disaster-recovery copy): <c>OOK1-</c> + base64 of the 32 bytes.
/// The key id (first 8 bytes of HKDF-SHA256(K, info "onedrive-offsite key-id"), hex) identifies a key without
/// revealing it. <see cref="ToString"/> shows only the key id.
/// </summary>
public sealed class MasterKey
{
    public const string TextPrefix = "OOK1-";
    public const int Length = 32;
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
        if (!trimmed.StartsWith(TextPrefix, StringComparison.Ordinal)) throw Invalid($"the text form starts with '{TextPrefix}'");
        byte[] bytes;
        try { bytes = Convert.FromBase64String(trimmed[TextPrefix.Length..]); }
        catch (FormatException) { throw Invalid("the characters after the prefix are not valid base64"); }
        return FromBytes(bytes);
    }

    public static MasterKey Load(string path)
    {
        if (!File.Exists(path))
            throw new OffsiteException(ErrorIds.Keys.KeyNotFound, OffsiteErrorCategory.ObjectNotFound,
                $"No encryption key at '{path}'. Create one with New-OffsiteKey (or import your saved copy with New-OffsiteKey -FromText).", path);
        return Parse(File.ReadAllText(path, Encoding.UTF8));
    }

    /// <summary>The text form. Only for writing the owner-only key file or showing it once on explicit request.</summary>
    public string ToText() => TextPrefix + Convert.ToBase64String(_key);

    internal ReadOnlySpan<byte> Bytes => _key;

    public override string ToString() => $"MasterKey {KeyId}";

    private static OffsiteException Invalid(string why) =>
        new(ErrorIds.Keys.KeyInvalid, OffsiteErrorCategory.InvalidData, $"The encryption key is not valid: {why}.");
}
