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
    TransferProgress Progress,
    OrderedStreamHasher? StreamHasher = null);

/// <summary>
/// Restores one part: checks its header against the manifest entry (so a part from another snapshot or position is
/// refused even though it would decrypt), then decrypts on one thread and hashes + writes at its offset on another.
/// Without a destination it only verifies (Test-OffsiteBackup -Full, -RemoveSource): the decoded bytes then go to the
/// <see cref="OrderedStreamHasher"/> (whole-stream SHA-256), and to a per-part SHA-256 only where an older manifest
/// recorded one.
/// </summary>
internal static class PartRestore
{
    public static async Task RunAsync(PartRestoreContext c, SnapshotManifest.PartEntry entry, CancellationToken ct)
    {
        var name = entry.File;
        using var current = TransferActivity.Enter(c.Progress.Part(entry.Index));
        var step = c.Repository.ReadStep + (c.Destination is null ? ", verifying" : ", decrypting, writing");
        await using var input = await c.Repository.OpenReadAsync(c.Location, name, ct).ConfigureAwait(false);
        var headerBytes = new byte[PartHeader.Size];
        try { await input.ReadExactlyAsync(headerBytes, ct).ConfigureAwait(false); }
        catch (EndOfStreamException) { throw PartHeader.Corrupt(name, "it is shorter than a part header"); }
        var header = PartHeader.Parse(headerBytes, name);
        CheckBelongs(c.Key, c.Manifest, c.SnapshotId, c.Location, entry, header, name);

        using var decoder = new PartDecoder(c.Key, header, headerBytes, input, name);
        using var partHash = c.Destination is null && entry.PlainSha256 is not null ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        var records = PartLayout.RecordCount(header.SourceLength, header.SegmentSize);
        long written = 0;
        await TwoStagePipeline.RunAsync(records, header.SegmentSize, 3,
            async (record, buffer, token) => await decoder.ReadRecordAsync(buffer, token).ConfigureAwait(false),
            async (record, data, token) =>
            {
                // The whole-file SHA-256 covers every part; hashing each part as well would cost a second pass.
                partHash?.AppendData(data.Span);
                if (c.Destination is not null) RandomAccess.Write(c.Destination, data.Span, entry.Offset + written);
                if (c.StreamHasher is not null) await c.StreamHasher.AppendAsync(entry.Index, data, token).ConfigureAwait(false);
                written += data.Length;
                c.WholeFileHasher?.Report(entry.Index, written);
                c.Progress.Add(entry.Index, data.Length, step);
            }, ct).ConfigureAwait(false);
        if (await decoder.ReadRecordAsync(new byte[header.SegmentSize], ct).ConfigureAwait(false) != -1)
            throw PartHeader.Corrupt(name, "it has more records than its header says");
        var actual = partHash is null ? null : Convert.ToHexString(partHash.GetHashAndReset()).ToLowerInvariant();
        if (actual is not null && actual != entry.PlainSha256)
            throw new OffsiteException(ErrorIds.Snapshots.PartHashMismatch, OffsiteErrorCategory.InvalidData,
                $"Part {name} decrypted, but its SHA-256 {actual} differs from the manifest's {entry.PlainSha256}.", name);
        c.Progress.CompletePart(entry.Index);
    }

    /// <summary>Refuses a part whose header does not match its manifest entry (shared with stream restores).</summary>
    internal static void CheckBelongs(MasterKey key, SnapshotManifest manifest, byte[] snapshotId, SnapshotLocation location, SnapshotManifest.PartEntry entry, PartHeader header, string name)
    {
        string? problem =
            !header.SnapshotId.AsSpan().SequenceEqual(snapshotId) ? $"it belongs to snapshot {Convert.ToHexString(header.SnapshotId).ToLowerInvariant()}"
            : !header.KeyId.AsSpan().SequenceEqual(key.KeyIdBytes) ? $"it was made with key {Convert.ToHexString(header.KeyId).ToLowerInvariant()}"
            : header.Index != entry.Index ? $"its header says it is {SnapshotFiles.PartName(header.Index)}"
            : header.SourceOffset != entry.Offset || header.SourceLength != entry.Length ? "its source range differs from the manifest's"
            : header.Codec != entry.Codec || header.SegmentSize != manifest.SegmentSize ? "its encoding differs from the manifest's"
            : !string.Equals(Convert.ToHexString(header.Salt), entry.Salt, StringComparison.OrdinalIgnoreCase) ? "it is another copy of this part than the one the manifest records"
            : null;
        if (problem is not null)
            throw new OffsiteException(ErrorIds.Snapshots.PartMismatch, OffsiteErrorCategory.InvalidData,
                $"Stored {name} does not belong at this position of snapshot {location.Set}/{location.Snapshot}: {problem}.", name);
    }
}
