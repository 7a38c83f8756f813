using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Hashing;
using OnedriveOffsite.Engine.Pipeline;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Restore;

internal sealed record PartRestoreContext(
    MasterKey Key,
    SnapshotManifest Manifest,
    byte[] SnapshotId,
    ISnapshotRepository Repository,
    SnapshotLocation Location,
    SafeFileHandle? Destination,
    TrailingHasher? WholeFileHasher,
    TransferProgress Progress);

/// <summary>
/// Restores one part: checks its header against the manifest entry (so a part from another snapshot or position is
/// refused even though it would decrypt), then decrypts on one thread and hashes + writes at its offset on another.
/// Without a destination it only verifies (Test-OffsiteBackup -Full, -RemoveSource).
/// </summary>
internal static class PartRestore
{
    public static async Task RunAsync(PartRestoreContext c, SnapshotManifest.PartEntry entry, CancellationToken ct)
    {
        var name = entry.File;
        await using var input = await c.Repository.OpenReadAsync(c.Location, name, ct).ConfigureAwait(false);
        var headerBytes = new byte[PartHeader.Size];
        try { await input.ReadExactlyAsync(headerBytes, ct).ConfigureAwait(false); }
        catch (EndOfStreamException) { throw PartHeader.Corrupt(name, "it is shorter than a part header"); }
        var header = PartHeader.Parse(headerBytes, name);
        CheckBelongs(c.Key, c.Manifest, c.SnapshotId, c.Location, entry, header, name);

        using var decoder = new PartDecoder(c.Key, header, headerBytes, input, name);
        using var partHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var records = PartLayout.RecordCount(header.SourceLength, header.SegmentSize);
        long written = 0;
        await TwoStagePipeline.RunAsync(records, header.SegmentSize, 3,
            async (record, buffer, token) => await decoder.ReadRecordAsync(buffer, token).ConfigureAwait(false),
            (record, data, token) =>
            {
                // A restore checks the whole-file SHA-256, which covers every part; hashing each part as well would
                // only cost a second SHA-256 pass. Verification without a file (Test -Full) checks the parts' hashes.
                if (c.Destination is null) partHash.AppendData(data.Span);
                else RandomAccess.Write(c.Destination, data.Span, entry.Offset + written);
                written += data.Length;
                c.WholeFileHasher?.Report(entry.Index, written);
                c.Progress.Add(entry.Index, data.Length, c.Destination is null ? "verifying" : "decrypting");
                return ValueTask.CompletedTask;
            }, ct).ConfigureAwait(false);
        if (await decoder.ReadRecordAsync(new byte[header.SegmentSize], ct).ConfigureAwait(false) != -1)
            throw PartHeader.Corrupt(name, "it has more records than its header says");
        var actual = Convert.ToHexString(partHash.GetHashAndReset()).ToLowerInvariant();
        if (c.Destination is null && actual != entry.PlainSha256)
            throw new OffsiteException("PartHashMismatch", OffsiteErrorCategory.InvalidData,
                $"Part {name} decrypted, but its SHA-256 {actual} differs from the manifest's {entry.PlainSha256}.", name);
        c.Progress.CompletePart(entry.Index);
    }

    /// <summary>Refuses a part whose header does not match its manifest entry (shared with stream restores).</summary>
    internal static void CheckBelongs(MasterKey key, SnapshotManifest manifest, byte[] snapshotId, SnapshotLocation location, SnapshotManifest.PartEntry entry, PartHeader header, string name)
    {
        string? problem =
            !header.SnapshotId.AsSpan().SequenceEqual(snapshotId) ? $"it belongs to snapshot {Convert.ToHexString(header.SnapshotId).ToLowerInvariant()}"
            : !header.KeyId.AsSpan().SequenceEqual(key.KeyIdBytes) ? $"it was made with key {Convert.ToHexString(header.KeyId).ToLowerInvariant()}"
            : header.Index != entry.Index ? $"it is part {header.Index}, not part {entry.Index}"
            : header.SourceOffset != entry.Offset || header.SourceLength != entry.Length ? "its source range differs from the manifest's"
            : header.Codec != entry.Codec || header.SegmentSize != manifest.SegmentSize ? "its encoding differs from the manifest's"
            : !string.Equals(Convert.ToHexString(header.Salt), entry.Salt, StringComparison.OrdinalIgnoreCase) ? "it is another copy of this part than the one the manifest records"
            : null;
        if (problem is not null)
            throw new OffsiteException("PartMismatch", OffsiteErrorCategory.InvalidData,
                $"Stored {name} does not belong at this position of snapshot {location.Set}/{location.Snapshot}: {problem}.", name);
    }
}
