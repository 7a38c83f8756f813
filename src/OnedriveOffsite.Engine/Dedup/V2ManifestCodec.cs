using System.Security.Cryptography;
using System.Text.Json;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// manifest.oom in format v2: the v2 header (magic OOMF, version 2, file id = snapshot id) and ONE sealed record
/// (the last) holding the JSON. The chunk list is a separate file so that this one stays small for any source size.
/// </summary>
public static class V2ManifestCodec
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>True when stored manifest bytes are format v2 (version byte 2), without the key.</summary>
    public static bool IsV2(ReadOnlySpan<byte> data) => data.Length > 4 && data[..4].SequenceEqual("OOMF"u8) && data[4] == V2Header.Version;

    public static byte[] Encode(V2Manifest manifest, MasterKey key, byte[] snapshotId, byte[]? salt = null)
    {
        salt ??= RandomNumberGenerator.GetBytes(32);
        var header = new V2Header(V2FileKind.Manifest, snapshotId, key.KeyIdBytes, salt).ToBytes();
        using var writer = new SealedRecordWriter(V2Keys.FileKey(key, V2FileKind.Manifest, salt, snapshotId), header);
        var record = writer.Seal(JsonSerializer.SerializeToUtf8Bytes(manifest, Json), last: true);
        return [.. header, .. record];
    }

    public static V2Header ReadHeader(ReadOnlySpan<byte> data, string what) =>
        V2Header.Parse(V2FileKind.Manifest, data, ErrorIds.Snapshots.ManifestCorrupt, what);

    /// <summary>
    /// docs/FORMAT.md §9.10 steps 1–2: key id first (KeyMismatch), then authentication (ManifestCorrupt), then that
    /// the manifest is the one of <paramref name="location"/> (ManifestMisplaced: moved to another set or renamed).
    /// </summary>
    public static V2Manifest Decode(byte[] data, MasterKey key, SnapshotLocation location)
    {
        var what = $"The manifest of snapshot {location.Set}/{location.Snapshot}";
        var header = ReadHeader(data, what);
        if (header.KeyIdHex != key.KeyId)
            throw new OffsiteException(ErrorIds.Keys.KeyMismatch, OffsiteErrorCategory.SecurityError,
                $"{what} was made with key {header.KeyIdHex}, but the loaded key is {key.KeyId}. Load the key this backup was made with " +
                    "(New-OffsiteKey -FromText imports a saved copy).", what);
        Exception Fail(string why) =>
            new OffsiteException(ErrorIds.Snapshots.ManifestCorrupt, OffsiteErrorCategory.InvalidData, $"{what} is damaged: {why}.",
                location.Snapshot);
        using var stream = new MemoryStream(data, V2Header.Size, data.Length - V2Header.Size);
        using var reader = new SealedRecordReader(stream, V2Keys.FileKey(key, V2FileKind.Manifest, header.Salt, header.FileId),
            data[..V2Header.Size]);
        var plain = reader.NextAsync(Fail, CancellationToken.None).GetAwaiter().GetResult() ?? throw Fail("it has no record");
        if (!reader.SawLast || reader.NextAsync(Fail, CancellationToken.None).GetAwaiter().GetResult() is not null)
            throw Fail("it must hold exactly one record");
        V2Manifest? manifest;
        try { manifest = JsonSerializer.Deserialize<V2Manifest>(plain, Json); }
        catch (JsonException) { manifest = null; }
        if (manifest is null || manifest.Source is null || manifest.ChunkList is null || manifest.Chunking is null
            || manifest.Added is null)
            throw Fail("its content is not a manifest");
        if (manifest.Format != 2) throw Fail($"its content says format {manifest.Format}");
        if (manifest.SnapshotId != Convert.ToHexString(header.FileId).ToLowerInvariant())
            throw Fail("its content belongs to another snapshot");
        if (manifest.Set != location.Set || manifest.Snapshot != location.Snapshot)
            throw new OffsiteException("ManifestMisplaced", OffsiteErrorCategory.InvalidData,
                $"{what} belongs to {manifest.Set}/{manifest.Snapshot}: it was moved to another set or renamed, so it is not restored " +
                    "under this name.", location.Snapshot);
        if (!SnapshotFiles.TryParseSnapshotFolder(manifest.Snapshot, out _)
            || !manifest.Snapshot.EndsWith(manifest.SnapshotId[..8], StringComparison.Ordinal))
            throw Fail("its snapshot name does not match its id");
        if (manifest.ChunkList.File != V2Layout.ChunkListName || manifest.ChunkList.Salt.Length != 64 || manifest.Source.Length < 0
            || manifest.ChunkList.Chunks < 0)
            throw Fail("its chunk list description is invalid");
        return manifest;
    }
}
