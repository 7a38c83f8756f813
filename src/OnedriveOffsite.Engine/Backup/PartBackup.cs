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

/// <summary>
/// A stored part and what proves the source bytes it holds: the <see cref="PartChecksumHasher"/> checksum of those
/// bytes (null when the worker took none: a single-read backup in file order, where the stored bytes are the hashed
/// bytes by construction), and/or the SHA-256 of the source from its start to this part's end (hex, recorded by a
/// backup in file order; a resumed run in file order reuses the part when its own running hash agrees).
/// </summary>
internal sealed record BackedUpPart(SnapshotManifest.PartEntry Entry, UInt128? SourceChecksum, string? SourcePrefixSha256 = null);

/// <summary>
/// Stores the parts of one backup run, one part per call: reads its source range once (telling the whole-file hasher)
/// on one thread, and checksums, compresses, encrypts and writes the records on another (SHA-256 fed on the reading
/// thread, when it is, and the checksum on the other keep the two stages about equally busy). Every attempt gets a
/// fresh random salt, hence a fresh key. No SHA-256 here: the whole-file SHA-256 is the only cryptographic hash pass
/// of a backup, and the checksum lets the caller prove that it covered exactly these bytes. Made once per run with
/// what all its parts share; safe to use from several part workers at once (it holds no per-part state).
/// </summary>
internal sealed class PartBackup
{
    private const int PipelineDepth = 3;

    private readonly MasterKey _key;
    private readonly byte[] _snapshotId;
    private readonly int _segmentSize;
    private readonly CompressionMode _compression;
    private readonly bool _fileLooksCompressed;
    private readonly ISnapshotRepository _repository;
    private readonly ISourceReadObserver _wholeFileHasher;
    private readonly bool _checksumSource;

    /// <param name="wholeFileHasher">Told every range a part worker reads (the whole-file SHA-256 fed from them).</param>
    /// <param name="checksumSource">
    /// Whether each part worker takes the <see cref="PartChecksumHasher"/> checksum of the bytes it reads (needed
    /// whenever the whole-file hash reads them separately, or a part may be read again).
    /// </param>
    public PartBackup(MasterKey key, byte[] snapshotId, SafeFileHandle source, int segmentSize, CompressionMode compression,
        bool fileLooksCompressed, ISnapshotRepository repository, SnapshotLocation location, ISourceReadObserver wholeFileHasher,
        bool checksumSource, TransferProgress progress, IOperationObserver observer)
    {
        _key = key;
        _snapshotId = snapshotId;
        Source = source;
        _segmentSize = segmentSize;
        _compression = compression;
        _fileLooksCompressed = fileLooksCompressed;
        _repository = repository;
        Location = location;
        _wholeFileHasher = wholeFileHasher;
        _checksumSource = checksumSource;
        Progress = progress;
        Observer = observer;
    }

    /// <summary>Attempts per part (see <see cref="StoredFileRetry.Parts"/>).</summary>
    public static int MaxPartAttempts => StoredFileRetry.Parts.MaxAttempts;

    /// <summary>The source file (open for reading; the run owns it).</summary>
    public SafeFileHandle Source { get; }

    /// <summary>The snapshot folder the parts go to.</summary>
    public SnapshotLocation Location { get; }

    public TransferProgress Progress { get; }

    public IOperationObserver Observer { get; }

    /// <summary>
    /// The same run's part store for a part whose bytes were already hashed: it tells no whole-file hasher and always
    /// takes the part's checksum (for the caller to compare with the one hashed).
    /// </summary>
    public PartBackup ForBytesAlreadyHashed() =>
        new(_key, _snapshotId, Source, _segmentSize, _compression, _fileLooksCompressed, _repository, Location,
            ISourceReadObserver.None, checksumSource: true, Progress, Observer);

    /// <summary>
    /// <see cref="RunAsync"/>, repeated from scratch (re-reading the source, NEW salt, so a fresh key and nonces)
    /// when the repository throws <see cref="RetryablePartException"/>: an upload session lost mid-part, or a stored
    /// copy whose hash differs from the bytes sent. Bytes already encrypted are never re-sent under the old key.
    /// </summary>
    public async Task<BackedUpPart> RunWithRetriesAsync(PartPlan part, CancellationToken ct)
    {
        var status = Progress.Part(part.Index);
        using var current = TransferActivity.Enter(status);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await RunAsync(part, ct).ConfigureAwait(false);
            }
            catch (RetryablePartException e) when (StoredFileRetry.Parts.ShouldRetry(e, attempt))
            {
                Observer.Verbose($"{e.ErrorId}: {e.Message} Storing {SnapshotFiles.PartName(part.Index)} again from the start " +
                    $"with a fresh salt (attempt {attempt + 1} of {MaxPartAttempts}).");
                Progress.ResetPart(part.Index);
                status.Retrying(attempt + 1, MaxPartAttempts, null);
            }
        }
    }

    private async Task<BackedUpPart> RunAsync(PartPlan part, CancellationToken ct)
    {
        using var compressor = new SegmentCompressor();
        var codec = CodecChooser.Choose(_compression, _fileLooksCompressed, Source, part, _segmentSize, compressor);
        var header = new PartHeader(_snapshotId, _key.KeyIdBytes, part.Index, part.Offset, part.Length, codec, _segmentSize,
            RandomNumberGenerator.GetBytes(32));
        using var encoder = new PartEncoder(_key, header, compressor);
        long? knownLength = codec == PartCompression.Stored ? PartLayout.StoredSizeWithoutCompression(part.Length, _segmentSize) : null;
        var name = SnapshotFiles.PartName(part.Index);
        var step = codec == PartCompression.Zstd ? "reading, compressing, encrypting" : "reading, encrypting";

        var checksum = _checksumSource ? new XxHash128() : null;
        var records = PartLayout.RecordCount(part.Length, _segmentSize);
        var encoded = new byte[PartEncoder.MaxEncodedLength(_segmentSize)];
        long read = 0;

        await using var sink = await _repository.CreateFileAsync(Location, name, knownLength, ct).ConfigureAwait(false);
        await sink.WriteAsync(encoder.HeaderBytes, ct).ConfigureAwait(false);
        await TwoStagePipeline.RunAsync(records, _segmentSize, PipelineDepth,
            (record, buffer, token) =>
            {
                var length = PartLayout.RecordPlainLength(part.Length, _segmentSize, record);
                ReadExactly(Source, buffer.Span[..length], part.Offset + record * _segmentSize);
                read += length;
                _wholeFileHasher.Read(part.Index, read, buffer.Span[..length]);
                return ValueTask.FromResult(length);
            },
            async (record, data, token) =>
            {
                checksum?.Append(data.Span);
                var n = encoder.Encode(record, record == records - 1, data.Span, encoded);
                await sink.WriteAsync(encoded.AsMemory(0, n), token).ConfigureAwait(false);
                Progress.Add(part.Index, data.Length, step);
            }, ct).ConfigureAwait(false);

        StoredPartResult stored;
        using (TransferActivity.Doing("storing")) stored = await sink.CompleteAsync(ct).ConfigureAwait(false);
        if (knownLength is { } expected && stored.Length != expected)
            throw new OffsiteException(ErrorIds.Backup.StoredSizeMismatch, OffsiteErrorCategory.WriteError,
                $"The repository stored {stored.Length} bytes for {name}, expected {expected}.", name);
        Progress.CompletePart(part.Index);
        Observer.Verbose($"Stored {name}: source bytes {part.Offset}-{part.Offset + part.Length} ({part.Length} bytes), " +
            $"{codec}, {stored.Length} bytes stored.");
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
        }, checksum is null ? null : PartChecksumHasher.Value(checksum));
    }

    private static void ReadExactly(SafeFileHandle file, Span<byte> buffer, long offset)
    {
        while (!buffer.IsEmpty)
        {
            var n = RandomAccess.Read(file, buffer, offset);
            if (n <= 0)
                throw new OffsiteException(ErrorIds.Backup.SourceChanged, OffsiteErrorCategory.InvalidOperation,
                    "The source file became shorter while it was being backed up; no snapshot was made. " +
                    "Back it up again once nothing writes to it.");
            buffer = buffer[n..];
            offset += n;
        }
    }
}
