using System.IO.Hashing;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Hashing;
using OnedriveOffsite.Engine.Pipeline;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Backup;

/// <summary>What every part of one backup run shares.</summary>
internal sealed record PartBackupContext(
    MasterKey Key,
    byte[] SnapshotId,
    SafeFileHandle Source,
    int SegmentSize,
    CompressionMode Compression,
    bool FileLooksCompressed,
    ISnapshotRepository Repository,
    SnapshotLocation Location,
    TrailingHasher WholeFileHasher,
    TransferProgress Progress,
    IOperationObserver Observer);

/// <summary>A stored part and the <see cref="PartChecksumHasher"/> checksum of the source bytes it holds.</summary>
internal sealed record BackedUpPart(SnapshotManifest.PartEntry Entry, UInt128 SourceChecksum);

/// <summary>
/// Stores one part: reads its source range once (checksumming it and feeding the whole-file hasher) on one thread,
/// and compresses, encrypts and writes the records on another. Every attempt gets a fresh random salt, hence a fresh
/// key. No SHA-256 here: the whole-file SHA-256 is the only cryptographic hash pass of a backup, and the checksum
/// lets the caller prove that it covered exactly these bytes.
/// </summary>
internal static class PartBackup
{
    private const int PipelineDepth = 3;

    /// <summary>Attempts per part (see <see cref="StoredFileRetry.Parts"/>).</summary>
    public static int MaxPartAttempts => StoredFileRetry.Parts.MaxAttempts;

    /// <summary>
    /// <see cref="RunAsync"/>, repeated from scratch (re-reading the source, NEW salt, so a fresh key and nonces)
    /// when the repository throws <see cref="RetryablePartException"/>: an upload session lost mid-part, or a stored
    /// copy whose hash differs from the bytes sent. Bytes already encrypted are never re-sent under the old key.
    /// </summary>
    public static async Task<BackedUpPart> RunWithRetriesAsync(PartBackupContext c, PartPlan part, CancellationToken ct)
    {
        var status = c.Progress.Part(part.Index);
        using var current = TransferActivity.Enter(status);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await RunAsync(c, part, ct).ConfigureAwait(false);
            }
            catch (RetryablePartException e) when (StoredFileRetry.Parts.ShouldRetry(e, attempt))
            {
                c.Observer.Verbose($"{e.ErrorId}: {e.Message} Storing {SnapshotFiles.PartName(part.Index)} again from the start with a fresh salt (attempt {attempt + 1} of {MaxPartAttempts}).");
                c.Progress.ResetPart(part.Index);
                status.Retrying(attempt + 1, MaxPartAttempts, null);
            }
        }
    }

    public static async Task<BackedUpPart> RunAsync(PartBackupContext c, PartPlan part, CancellationToken ct)
    {
        using var compressor = new SegmentCompressor();
        var codec = CodecChooser.Choose(c.Compression, c.FileLooksCompressed, c.Source, part, c.SegmentSize, compressor);
        var header = new PartHeader(c.SnapshotId, c.Key.KeyIdBytes, part.Index, part.Offset, part.Length, codec, c.SegmentSize, RandomNumberGenerator.GetBytes(32));
        using var encoder = new PartEncoder(c.Key, header, compressor);
        long? knownLength = codec == PartCodec.Stored ? PartLayout.StoredSizeWithoutCompression(part.Length, c.SegmentSize) : null;
        var name = SnapshotFiles.PartName(part.Index);
        var step = codec == PartCodec.Zstd ? "reading, compressing, encrypting" : "reading, encrypting";

        var checksum = new XxHash128();
        var records = PartLayout.RecordCount(part.Length, c.SegmentSize);
        var encoded = new byte[PartEncoder.MaxEncodedLength(c.SegmentSize)];
        long read = 0;

        await using var sink = await c.Repository.CreateFileAsync(c.Location, name, knownLength, ct).ConfigureAwait(false);
        await sink.WriteAsync(encoder.HeaderBytes, ct).ConfigureAwait(false);
        await TwoStagePipeline.RunAsync(records, c.SegmentSize, PipelineDepth,
            (record, buffer, token) =>
            {
                var length = PartLayout.RecordPlainLength(part.Length, c.SegmentSize, record);
                ReadExactly(c.Source, buffer.Span[..length], part.Offset + record * c.SegmentSize);
                checksum.Append(buffer.Span[..length]);
                read += length;
                c.WholeFileHasher.Report(part.Index, read);
                return ValueTask.FromResult(length);
            },
            async (record, data, token) =>
            {
                var n = encoder.Encode(record, record == records - 1, data.Span, encoded);
                await sink.WriteAsync(encoded.AsMemory(0, n), token).ConfigureAwait(false);
                c.Progress.Add(part.Index, data.Length, step);
            }, ct).ConfigureAwait(false);

        StoredPartResult stored;
        using (TransferActivity.Doing("storing")) stored = await sink.CompleteAsync(ct).ConfigureAwait(false);
        if (knownLength is { } expected && stored.Length != expected)
            throw new OffsiteException(ErrorIds.Backup.StoredSizeMismatch, OffsiteErrorCategory.WriteError,
                $"The repository stored {stored.Length} bytes for {name}, expected {expected}.", name);
        c.Progress.CompletePart(part.Index);
        c.Observer.Verbose($"Stored {name}: source bytes {part.Offset}-{part.Offset + part.Length} ({part.Length} bytes), {codec}, {stored.Length} bytes stored.");
        return new BackedUpPart(new SnapshotManifest.PartEntry
        {
            Index = part.Index,
            File = name,
            Offset = part.Offset,
            Length = part.Length,
            Codec = codec,
            Salt = Convert.ToHexString(header.Salt).ToLowerInvariant(),
            StoredLength = stored.Length,
            StoredQuickXorHash = stored.Checksum?.ManifestQuickXorHash,
        }, PartChecksumHasher.Value(checksum));
    }

    private static void ReadExactly(SafeFileHandle file, Span<byte> buffer, long offset)
    {
        while (!buffer.IsEmpty)
        {
            var n = RandomAccess.Read(file, buffer, offset);
            if (n <= 0)
                throw new OffsiteException(ErrorIds.Backup.SourceChanged, OffsiteErrorCategory.InvalidOperation,
                    "The source file became shorter while it was being backed up; no snapshot was made. Back it up again once nothing writes to it.");
            buffer = buffer[n..];
            offset += n;
        }
    }
}
