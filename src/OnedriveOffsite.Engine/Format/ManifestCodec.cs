using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Format;

/// <summary>
/// manifest.oom = header (64 bytes) ‖ u32 length ‖ AES-256-GCM(manifest key, nonce = counter 0 with the last flag,
/// AAD = header) over the UTF-8 JSON manifest. The manifest key derives from a fresh salt, so its single nonce is safe.
/// </summary>
public static class ManifestCodec
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>
    /// Largest manifest file read or written. Repositories check the stored size against it before reading a byte,
    /// so a planted or damaged giant manifest costs nothing. A part entry takes about 350 bytes of JSON, so
    /// <see cref="MaxParts"/> parts stay well below it.
    /// </summary>
    public const int MaxSize = 64 << 20;

    /// <summary>Most parts a snapshot may have (backups with more are refused up front: use a larger part size).</summary>
    public const int MaxParts = 100_000;

    /// <summary>ManifestCorrupt for a stored manifest larger than <see cref="MaxSize"/>.</summary>
    public static OffsiteException TooLarge(string what, long size) =>
        Corrupt(what, $"it is {size:N0} bytes, more than the {MaxSize:N0} a manifest may have, so it was not read");

    public static byte[] Encode(SnapshotManifest manifest, MasterKey key, byte[] snapshotId) =>
        Encode(manifest, key, snapshotId, RandomNumberGenerator.GetBytes(32));

    /// <summary>With a given salt: only for reproducible test vectors; real manifests always get a fresh one.</summary>
    public static byte[] Encode(SnapshotManifest manifest, MasterKey key, byte[] snapshotId, byte[] salt)
    {
        var header = new ManifestHeader(snapshotId, key.KeyIdBytes, salt);
        var headerBytes = header.ToBytes();
        var plain = JsonSerializer.SerializeToUtf8Bytes(manifest, Json);
        if (plain.Length + ManifestHeader.Size + 4 + RecordCipher.TagSize > MaxSize)
            throw new OffsiteException(ErrorIds.Backup.InvalidPartSize, OffsiteErrorCategory.InvalidArgument,
                $"The manifest of {manifest.Parts.Count} parts would exceed {MaxSize:N0} bytes; use a larger part size.",
                manifest.Parts.Count);
        var output = new byte[ManifestHeader.Size + 4 + plain.Length + RecordCipher.TagSize];
        headerBytes.CopyTo(output, 0);
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(ManifestHeader.Size), (uint)(plain.Length + RecordCipher.TagSize));
        using var cipher = new RecordCipher(KeyDerivation.ManifestKey(key, header.Salt, snapshotId), headerBytes);
        cipher.Seal(0, last: true, plain, output.AsSpan(ManifestHeader.Size + 4));
        return output;
    }

    public static ManifestHeader ReadHeader(ReadOnlySpan<byte> data, string what) => ManifestHeader.Parse(data, what);

    /// <summary>Decrypts and parses; a different key is reported with both key ids before anything else is read.</summary>
    public static SnapshotManifest Decode(ReadOnlySpan<byte> data, MasterKey key, string what)
    {
        if (data.Length > MaxSize) throw TooLarge(what, data.Length);
        var header = ManifestHeader.Parse(data, what);
        if (header.KeyIdHex != key.KeyId)
            throw new OffsiteException(ErrorIds.Keys.KeyMismatch, OffsiteErrorCategory.SecurityError,
                $"{what} was made with key {header.KeyIdHex}, but the loaded key is {key.KeyId}. Load the key this backup was " +
                "made with (New-OffsiteKey -FromText imports a saved copy).", what);
        var rest = data[ManifestHeader.Size..];
        if (rest.Length < 4) throw Corrupt(what, "it is truncated");
        var sealedLength = BinaryPrimitives.ReadUInt32BigEndian(rest);
        if (sealedLength < RecordCipher.TagSize || sealedLength != rest.Length - 4) throw Corrupt(what, "its length does not match");
        var plain = new byte[sealedLength - RecordCipher.TagSize];
        using var cipher = new RecordCipher(KeyDerivation.ManifestKey(key, header.Salt, header.SnapshotId), data[..ManifestHeader.Size]);
        if (!cipher.TryOpen(0, last: true, rest[4..], plain)) throw Corrupt(what, "it failed authentication (it was modified or damaged)");
        SnapshotManifest? manifest;
        try { manifest = JsonSerializer.Deserialize<SnapshotManifest>(plain, Json); }
        catch (JsonException) { manifest = null; }
        if (manifest is null) throw Corrupt(what, "its content is not a manifest");
        FormatVersion.Check((byte)manifest.Format, what);
        if (!string.Equals(manifest.SnapshotId, header.SnapshotIdHex, StringComparison.Ordinal))
            throw Corrupt(what, "its content belongs to another snapshot");
        return manifest;
    }

    private static OffsiteException Corrupt(string what, string why) =>
        new(ErrorIds.Snapshots.ManifestCorrupt, OffsiteErrorCategory.InvalidData, $"{what} is damaged: {why}.", what);
}
