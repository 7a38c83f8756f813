using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Threading.Channels;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Pipeline;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Engine.Streams;

namespace OnedriveOffsite.Engine.Backup;

/// <summary>
/// Backs up a stream of unknown length (a command's standard output, or a stream a script holds) as a new snapshot,
/// with no local copy: one reader cuts parts as the bytes arrive and hashes the whole stream; ThrottleLimit workers
/// encrypt each part in place and store it. At most ThrottleLimit + 1 parts are in memory at once (the reader waits
/// for a free slot), which bounds memory whatever the stream's length. The manifest is written only when the source
/// ended normally (a command: exit code 0) and every part is stored. Any failure, and cancellation, stops the source
/// (a command's whole process tree). Not resumable: a command's output cannot be rewound.
/// </summary>
public sealed class StreamBackupOperation
{
    private readonly ISnapshotRepository _repository;
    private readonly MasterKey _key;

    public StreamBackupOperation(ISnapshotRepository repository, MasterKey key)
    {
        _repository = repository;
        _key = key;
    }

    /// <summary>Checks a request without touching anything (used for -WhatIf and before the source is started).</summary>
    public static void Validate(StreamBackupRequest request)
    {
        SetName.Validate(request.SetName);
        if (request.PartSize < BackupRequest.MinPartSize || request.PartSize > BackupRequest.MaxPartSize)
            throw new OffsiteException(ErrorIds.Backup.InvalidPartSize, OffsiteErrorCategory.InvalidArgument,
                $"The part size must be between {BackupRequest.MinPartSize} bytes and {BackupRequest.MaxPartSize} bytes.",
                request.PartSize);
        if (request.ThrottleLimit is < 1 or > 64)
            throw new OffsiteException(ErrorIds.Backup.InvalidThrottleLimit, OffsiteErrorCategory.InvalidArgument,
                "ThrottleLimit must be between 1 and 64.", request.ThrottleLimit);
        var name = request.SourceName;
        if (string.IsNullOrWhiteSpace(name) || name is "." or ".." || name.IndexOfAny(new[] { '/', '\\', '\0' }) >= 0 || name.Length > 255)
            throw new OffsiteException("InvalidSourceName", OffsiteErrorCategory.InvalidArgument,
                $"'{name}' is not a file name. -SourceName is the name a restore into a directory gives the data " +
                "(e.g. vzdump-qemu-101.vma.zst): no directory separators.", name);
    }

    /// <param name="openSource">Starts the source (e.g. the command); called once, after every check passed.</param>
    /// <param name="kind">"command" or "stream", recorded in the manifest.</param>
    public async Task<BackupResult> RunAsync(StreamBackupRequest request, Func<IByteSource> openSource, string kind,
        IOperationObserver observer, CancellationToken ct)
    {
        Validate(request);
        // One run per set at a time, as for files: the manifest is written only while the lock is still this run's.
        await using var setLock = await Locking.RepositoryLock.AcquireAsync(_repository, request.SetName, "backup", request.Lock,
            observer, ct).ConfigureAwait(false);
        // Before the command starts: a refused run must not have consumed the stream.
        await KeyContinuityCheck.EnsureAsync(_repository, request.SetName, _key, request.AllowKeyChange, observer, ct)
            .ConfigureAwait(false);
        var segmentSize = (int)Math.Min(request.SegmentSize, request.PartSize);
        var parallel = request.ThrottleLimit;
        ThreadPoolSizing.EnsureFor(parallel);
        var snapshotId = RandomNumberGenerator.GetBytes(16);
        var created = DateTime.UtcNow;
        var location = new SnapshotLocation(request.SetName, SnapshotFiles.SnapshotFolder(created, snapshotId));
        var pool = new SegmentPool(PartEncoder.MaxEncodedLength(segmentSize));
        var progress = new StreamProgress(observer, ActivityText.Backup(request.SourceName, request.SetName), "read");
        using var current = TransferActivity.Enter(progress);
        var context = new StreamPartContext(_key, snapshotId, segmentSize, request.Compression, _repository, location, progress, observer);

        await using var source = openSource();
        observer.Verbose($"Backing up {source.Description} as '{request.SourceName}' to {_repository.Description} as " +
            $"{location.Set}/{location.Snapshot}: parts of up to {request.PartSize} bytes held in memory until stored " +
            $"({parallel + 1} at most), compression {request.Compression}, key {_key.KeyId}, {parallel} in parallel. " +
            "A stream backup cannot be resumed: if it is interrupted, run it again.");
        using var cutter = new StreamPartCutter(source, pool, request.PartSize, segmentSize, progress.Add);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var stopSource = cts.Token.Register(source.Abort);
        var slots = new SemaphoreSlim(parallel + 1);
        var queue = Channel.CreateUnbounded<HeldPart>();
        var entries = new List<SnapshotManifest.PartEntry>();
        var partsCut = 0;
        string? sha256 = null;
        Exception? firstError = null;

        async Task Guard(Func<CancellationToken, Task> body)
        {
            try { await body(cts.Token).ConfigureAwait(false); }
            catch (Exception ex)
            {
                if (!(ex is OperationCanceledException && cts.IsCancellationRequested))
                    Interlocked.CompareExchange(ref firstError, ex, null);
                cts.Cancel();
            }
        }

        var reading = Task.Run(() => Guard(async token =>
        {
            try
            {
                while (true)
                {
                    await slots.WaitAsync(token).ConfigureAwait(false);
                    var part = await cutter.NextAsync(token).ConfigureAwait(false);
                    if (part is null) break;
                    partsCut++;
                    queue.Writer.TryWrite(part);
                }
            }
            finally { queue.Writer.TryComplete(); }
            await source.CompleteAsync(token).ConfigureAwait(false);
            sha256 = cutter.Sha256Hex();
        }));
        var storing = Enumerable.Range(0, parallel).Select(_ => Task.Run(() => Guard(async token =>
        {
            using var compressor = new SegmentCompressor();
            await foreach (var part in queue.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                try
                {
                    var entry = await StreamPartStore.StoreAsync(context, part, cutter.LooksCompressed, compressor, token)
                        .ConfigureAwait(false);
                    lock (entries) entries.Add(entry);
                }
                finally
                {
                    part.Dispose();
                    slots.Release();
                }
            }
        }))).ToList();
        await Task.WhenAll(storing.Append(reading)).ConfigureAwait(false);
        while (queue.Reader.TryRead(out var left)) left.Dispose();
        if (firstError is not null) ExceptionDispatchInfo.Capture(firstError).Throw();
        ct.ThrowIfCancellationRequested();
        if (sha256 is null || entries.Count != partsCut) throw new OperationCanceledException();

        var ended = DateTime.UtcNow;
        var manifest = new SnapshotManifest
        {
            SnapshotId = Convert.ToHexString(snapshotId).ToLowerInvariant(),
            Set = request.SetName,
            CreatedUtc = created,
            CompletedUtc = ended,
            Source = new SnapshotManifest.SourceInfo
            {
                Name = request.SourceName, Path = "", Length = cutter.BytesRead, LastWriteTimeUtc = ended, Sha256 = sha256,
                Kind = kind, Program = source.Program,
            },
            PartSize = request.PartSize,
            SegmentSize = segmentSize,
            Compression = request.Compression.ToString(),
            Parts = entries.OrderBy(e => e.Index).ToList(),
            Tool = ToolInfo.UserAgentProduct,
            Host = Environment.MachineName,
        };
        await setLock.EnsureHeldAsync(ct).ConfigureAwait(false);
        await _repository.WriteManifestAsync(location, ManifestCodec.Encode(manifest, _key, snapshotId), ct).ConfigureAwait(false);
        progress.Complete();
        observer.Verbose($"Snapshot {location.Set}/{location.Snapshot} is complete: {cutter.BytesRead} bytes from " +
            $"{source.Description}, SHA-256 {sha256}, {manifest.Parts.Sum(e => e.StoredLength)} bytes stored in " +
            $"{progress.Elapsed.TotalSeconds:0.0} s.");
        return new BackupResult(SnapshotCatalog.Describe(_repository, location, manifest, _key.KeyId), progress.Elapsed, manifest);
    }
}
