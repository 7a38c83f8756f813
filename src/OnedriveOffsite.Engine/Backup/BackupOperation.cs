using System.Security.Cryptography;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Hashing;
using OnedriveOffsite.Engine.Locking;
using OnedriveOffsite.Engine.Pipeline;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Snapshots;

namespace OnedriveOffsite.Engine.Backup;

/// <summary>The outcome of one file's backup.</summary>
public sealed record BackupResult(SnapshotInfo Snapshot, TimeSpan Duration, SnapshotManifest Manifest)
{
    public double BytesPerSecond => Duration.TotalSeconds <= 0 ? 0 : (Snapshot.SourceLength ?? 0) / Duration.TotalSeconds;
}

/// <summary>
/// Backs up one file as a new snapshot: parts in parallel (each reading its own range once), whole-file SHA-256
/// alongside (the only SHA-256 pass), every part proven to hold the bytes that hash covers, then the encrypted
/// manifest written last. The source is only ever opened for reading.
/// </summary>
public sealed class BackupOperation
{
    private readonly ISnapshotRepository _repository;
    private readonly MasterKey _key;
    private readonly ResumeJournal? _journal;

    /// <param name="journal">Where progress is recorded so that an interrupted run can continue; null: no resume.</param>
    public BackupOperation(ISnapshotRepository repository, MasterKey key, ResumeJournal? journal = null)
    {
        _repository = repository;
        _key = key;
        _journal = journal;
    }

    /// <summary>Checks a request without touching anything (used for -WhatIf and before any work).</summary>
    public static FileInfo Validate(BackupRequest request)
    {
        SetName.Validate(request.SetName);
        if (request.PartSize is < BackupRequest.MinPartSize or > BackupRequest.MaxPartSize)
            throw new OffsiteException(ErrorIds.Backup.InvalidPartSize, OffsiteErrorCategory.InvalidArgument,
                $"The part size must be between {BackupRequest.MinPartSize} bytes and {BackupRequest.MaxPartSize} bytes.",
                request.PartSize);
        if (request.ThrottleLimit is < 1 or > 64)
            throw new OffsiteException(ErrorIds.Backup.InvalidThrottleLimit, OffsiteErrorCategory.InvalidArgument,
                "ThrottleLimit must be between 1 and 64.", request.ThrottleLimit);
        if (Directory.Exists(request.SourcePath))
            throw new OffsiteException(ErrorIds.Backup.SourceIsDirectory, OffsiteErrorCategory.InvalidArgument,
                $"'{request.SourcePath}' is a directory. Back up files (for a directory, make an archive first, e.g. with tar).",
                request.SourcePath);
        var info = new FileInfo(request.SourcePath);
        if (!info.Exists)
            throw new OffsiteException(ErrorIds.Backup.SourceNotFound, OffsiteErrorCategory.ObjectNotFound,
                $"The source file '{request.SourcePath}' does not exist.", request.SourcePath);
        if (request.PartSize is { } partSize && (info.Length + partSize - 1) / partSize > ManifestCodec.MaxParts)
            throw new OffsiteException(ErrorIds.Backup.InvalidPartSize, OffsiteErrorCategory.InvalidArgument,
                $"A part size of {request.PartSize} bytes cuts '{info.Name}' ({info.Length} bytes) into more than " +
                $"{ManifestCodec.MaxParts} parts (the most a snapshot's manifest holds); use a part size of at least " +
                $"{(info.Length + ManifestCodec.MaxParts - 1) / ManifestCodec.MaxParts} bytes.", request.PartSize);
        return info;
    }

    /// <summary>
    /// Runs the backup holding the set's lock (one run per set at a time: a second one fails with SetLocked or waits);
    /// the manifest is written only after checking that the lock is still this run's.
    /// </summary>
    public async Task<BackupResult> RunAsync(BackupRequest request, IOperationObserver observer, CancellationToken ct)
    {
        Validate(request);
        await using var setLock = await RepositoryLock.AcquireAsync(_repository, request.SetName, "backup", request.Lock, observer, ct)
            .ConfigureAwait(false);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, setLock.Lost);
        try
        {
            return await RunLockedAsync(request, setLock, observer, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (setLock.Lost.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw setLock.LostError();
        }
    }

    private async Task<BackupResult> RunLockedAsync(BackupRequest request, RepositoryLock setLock, IOperationObserver observer,
        CancellationToken ct)
    {
        var source = Validate(request);
        await KeyContinuityCheck.EnsureAsync(_repository, request.SetName, _key, request.AllowKeyChange, observer, ct)
            .ConfigureAwait(false);
        ThreadPoolSizing.EnsureFor(request.ThrottleLimit);
        using var handle = File.OpenHandle(source.FullName, FileMode.Open, FileAccess.Read, FileShare.Read);
        var length = RandomAccess.GetLength(handle);
        var lastWrite = source.LastWriteTimeUtc;
        var newId = RandomNumberGenerator.GetBytes(16);
        var now = DateTime.UtcNow;
        var fresh = JournalState.ForSource(source.FullName, length, lastWrite, request.Compression, _key.KeyId);
        fresh.SnapshotId = Convert.ToHexString(newId).ToLowerInvariant();
        fresh.SnapshotFolder = SnapshotFiles.SnapshotFolder(now, newId);
        fresh.CreatedUtc = now;
        var interrupted = ResumePlanner.Interrupted(_journal, fresh, request.SegmentSize);
        var partSize = PartSizing.Choose(request.PartSize, length, interrupted, _repository);
        var segmentSize = (int)Math.Min(request.SegmentSize, partSize);
        fresh.PartSize = partSize;
        fresh.SegmentSize = segmentSize;
        var (journalState, done) = await ResumePlanner.PlanAsync(_journal, fresh, _repository, request.SetName, request.RequireResume,
            observer, ct).ConfigureAwait(false);
        var snapshotId = Convert.FromHexString(journalState.SnapshotId);
        var created = journalState.CreatedUtc;
        var location = new SnapshotLocation(request.SetName, journalState.SnapshotFolder);
        var parts = PartPlan.Split(length, partSize);
        var looksCompressed = CodecChooser.FileLooksCompressed(handle);
        var storing = looksCompressed && request.Compression == Compression.CompressionMode.Auto
            ? " (input is already compressed: storing)"
            : "";
        observer.Verbose($"Backing up '{source.FullName}' ({length} bytes) to {_repository.Description} as " +
            $"{location.Set}/{location.Snapshot}: {parts.Count} part(s) of up to {partSize} bytes, compression " +
            $"{request.Compression}{storing}, key {_key.KeyId}, {request.ThrottleLimit} in parallel.");

        var progress = new TransferProgress(observer, ActivityText.Backup(source.Name, request.SetName),
            parts.Select(p => p.Length).ToList());
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var partRanges = parts.Select(p => (p.Offset, p.Length)).ToList();
        var inFileOrder = StoresInFileOrder(request, handle, looksCompressed, parts, segmentSize);
        using var inOrderHasher = inFileOrder ? new InOrderHasher(partRanges) : null;
        var hasher = inFileOrder ? null : new TrailingHasher(handle, partRanges, checksumParts: true);
        var hashing = hasher?.RunAsync(cts.Token);
        // In file order the stored bytes are the hashed bytes; a per-part checksum is then needed only where a part
        // may be read again (a retried OneDrive upload): a local repository never asks for that.
        var partBackup = new PartBackup(_key, snapshotId, handle, segmentSize, request.Compression, looksCompressed,
            _repository, location, wholeFileHasher: (ISourceReadObserver?)inOrderHasher ?? hasher!,
            checksumSource: !(inFileOrder && _repository.StoresPartsFastestInFileOrder), progress, observer);
        var results = new BackedUpPart[parts.Count];
        var testHook = PartStoredTestHook.FromEnvironment();
        string sha256;
        try
        {
            if (inOrderHasher is not null)
            {
                observer.Verbose("Storing the parts one after another in file order, hashing the source from the same read.");
                sha256 = await StoreInFileOrderAsync(partBackup, inOrderHasher, parts, results, done, journalState, testHook, cts.Token)
                    .ConfigureAwait(false);
            }
            else
            {
                var parallel = new ParallelOptions { MaxDegreeOfParallelism = request.ThrottleLimit, CancellationToken = cts.Token };
                await Parallel.ForEachAsync(parts, parallel,
                    async (part, token) =>
                    {
                        if (done.TryGetValue(part.Index, out var stored))
                        {
                            // Reused, but only once the hasher's read of this range proves it unchanged (below).
                            results[part.Index] = stored;
                            hasher!.Report(part.Index, part.Length);
                            progress.Reused(part.Index);
                            return;
                        }
                        results[part.Index] = await partBackup.RunWithRetriesAsync(part, token).ConfigureAwait(false);
                        _journal?.RecordPart(journalState, results[part.Index]);
                        await testHook.PartRecordedAsync(token).ConfigureAwait(false);
                    }).ConfigureAwait(false);
                progress.Finishing("checking the SHA-256");
                sha256 = Convert.ToHexString(await hashing!.ConfigureAwait(false)).ToLowerInvariant();
                await ProveAgainstSourceAsync(partBackup, hasher!, parts, results, done, journalState, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            cts.Cancel();
            if (hashing is not null)
                try { await hashing.ConfigureAwait(false); } catch (OperationCanceledException) { } catch (IOException) { }
            if (ex is OperationCanceledException stopped && ct.IsCancellationRequested)
            {
                var kept = parts.Where(p => results[p.Index] is not null).ToList();
                throw BackupStoppedException.Describe(kept.Count, parts.Count, kept.Sum(p => p.Length), length,
                    $"{location.Set}/{location.Snapshot}", _journal is not null, stopped);
            }
            throw;
        }
        var entries = results.Select(r => r.Entry).ToArray();
        if (!IsUnchanged(source, length, lastWrite))
        {
            // Parts of a source that changed are useless: remove them (this run holds the set's lock) and the journal.
            _journal?.Delete();
            await _repository.DeleteSnapshotAsync(location, CancellationToken.None).ConfigureAwait(false);
            throw new OffsiteException(ErrorIds.Backup.SourceChanged, OffsiteErrorCategory.InvalidOperation,
                $"'{source.FullName}' changed while it was being backed up; no snapshot was made and its stored parts were " +
                "removed. Back it up again once nothing writes to it.", source.FullName);
        }

        var manifest = new SnapshotManifest
        {
            SnapshotId = Convert.ToHexString(snapshotId).ToLowerInvariant(),
            Set = request.SetName,
            CreatedUtc = created,
            CompletedUtc = DateTime.UtcNow,
            Source = new SnapshotManifest.SourceInfo
            {
                Name = source.Name, Path = source.FullName, Length = length, LastWriteTimeUtc = lastWrite, Sha256 = sha256,
            },
            PartSize = partSize,
            SegmentSize = segmentSize,
            Compression = request.Compression.ToString(),
            Parts = entries.ToList(),
            Tool = ToolInfo.UserAgentProduct,
            Host = Environment.MachineName,
        };
        await setLock.EnsureHeldAsync(ct).ConfigureAwait(false);
        progress.Finishing("writing the manifest");
        await _repository.WriteManifestAsync(location, ManifestCodec.Encode(manifest, _key, snapshotId), ct).ConfigureAwait(false);
        _journal?.Delete();
        progress.Complete();
        observer.Verbose($"Snapshot {location.Set}/{location.Snapshot} is complete: SHA-256 {sha256}, " +
            $"{entries.Sum(e => e.StoredLength)} bytes stored in {progress.Elapsed.TotalSeconds:0.0} s.");
        return new BackupResult(SnapshotCatalog.Describe(_repository, location, manifest, _key.KeyId), progress.Elapsed, manifest);
    }

    /// <summary>
    /// Whether this run stores its parts one after another in file order with <see cref="InOrderHasher"/> (one read
    /// of the source) rather than several at once with a <see cref="TrailingHasher"/> reading every range again: with
    /// one part at a time anyway, or on a repository where that is as fast and the first part is not compressed
    /// (parallel parts only pay off to spread compression over cores; the SHA-256 is one serial pass either way).
    /// </summary>
    private bool StoresInFileOrder(BackupRequest request, Microsoft.Win32.SafeHandles.SafeFileHandle source, bool looksCompressed,
        IReadOnlyList<PartPlan> parts, int segmentSize)
    {
        if (request.ThrottleLimit == 1 || parts.Count <= 1) return true;
        if (!_repository.StoresPartsFastestInFileOrder) return false;
        using var compressor = new Compression.SegmentCompressor();
        var firstCodec = CodecChooser.Choose(request.Compression, looksCompressed, source, parts[0], segmentSize, compressor);
        return firstCodec == PartCompression.Stored;
    }

    /// <summary>
    /// Stores the parts one after another in file order, the whole-file SHA-256 fed from the part workers' reads. A
    /// part reused from an interrupted run is read here (feeding the hash) and proven against its stored checksum;
    /// one that no longer matches is stored again and must match the bytes hashed. If a part had to be read again
    /// (a retried upload), the file is hashed once more in order and every part proven against that pass.
    /// </summary>
    private async Task<string> StoreInFileOrderAsync(PartBackup partBackup, InOrderHasher hasher, IReadOnlyList<PartPlan> parts,
        BackedUpPart[] results, Dictionary<int, BackedUpPart> reused, JournalState journalState, PartStoredTestHook testHook,
        CancellationToken ct)
    {
        foreach (var part in parts)
        {
            if (reused.TryGetValue(part.Index, out var stored))
            {
                var hashed = await Task.Run(() => hasher.ReadAndHash(partBackup.Source, part.Index, part.Length, ct), ct)
                    .ConfigureAwait(false);
                var prefix = hasher.PrefixDigest();
                // The part's own checksum when the interrupted run took one; else the running SHA-256 up to its end (which
                // also differs after an earlier part that changed: such later parts are stored again too — safe, and rare).
                if (stored.SourceChecksum is { } checksum ? checksum == hashed : prefix is not null && stored.SourcePrefixSha256 == prefix)
                {
                    results[part.Index] = stored;
                    partBackup.Progress.Reused(part.Index);
                    continue;
                }
                results[part.Index] = await StoreAgainAsync(partBackup.ForBytesAlreadyHashed(), part, hashed, prefix, journalState, ct)
                    .ConfigureAwait(false);
                continue;
            }
            var backedUp = await partBackup.RunWithRetriesAsync(part, ct).ConfigureAwait(false);
            results[part.Index] = backedUp with { SourcePrefixSha256 = hasher.PrefixDigest() };
            _journal?.RecordPart(journalState, results[part.Index]);
            await testHook.PartRecordedAsync(ct).ConfigureAwait(false);
        }
        if (hasher.Finish() is { } digest) return Convert.ToHexString(digest).ToLowerInvariant();

        partBackup.Observer.Verbose("A part was read again after a retry: hashing the source once more in file order to prove " +
            "every stored part.");
        var again = new TrailingHasher(partBackup.Source, parts.Select(p => (p.Offset, p.Length)).ToList(), checksumParts: true);
        foreach (var part in parts) again.Report(part.Index, part.Length);
        var sha256 = Convert.ToHexString(await again.RunAsync(ct).ConfigureAwait(false)).ToLowerInvariant();
        foreach (var part in parts)
            if (results[part.Index].SourceChecksum is not { } checksum || checksum != again.PartChecksum(part.Index))
                throw ChangedWhileReading(SnapshotFiles.PartName(part.Index));
        return sha256;
    }

    /// <summary>
    /// Stores again a part reused from an interrupted run whose bytes no longer match (same size and time, other
    /// bytes), with a fresh salt; the bytes stored must be the ones hashed (<paramref name="hashed"/>).
    /// </summary>
    private async Task<BackedUpPart> StoreAgainAsync(PartBackup partBackup, PartPlan part, UInt128 hashed, string? prefixSha256,
        JournalState journalState, CancellationToken ct)
    {
        var name = SnapshotFiles.PartName(part.Index);
        partBackup.Observer.Verbose($"{name} no longer matches the source (its bytes changed since the interrupted run stored it, " +
            "though size and modification time did not): storing it again.");
        await _repository.DeleteFileAsync(partBackup.Location, name, ct).ConfigureAwait(false);
        partBackup.Progress.ResetPart(part.Index);
        var again = await partBackup.RunWithRetriesAsync(part, ct).ConfigureAwait(false) with { SourcePrefixSha256 = prefixSha256 };
        if (again.SourceChecksum != hashed) throw ChangedWhileReading(name);
        _journal?.RecordPart(journalState, again);
        return again;
    }

    /// <summary>
    /// Proves that the stored parts hold the bytes the whole-file SHA-256 covers: the hasher read every range again in
    /// file order and checksummed it. A part stored in this run must match (else the file changed under us: no
    /// snapshot). A part reused from an interrupted run that no longer matches (same size and time, other bytes) is
    /// stored again, with a fresh salt, from the bytes the hash covered.
    /// </summary>
    private async Task ProveAgainstSourceAsync(PartBackup partBackup, TrailingHasher hasher, IReadOnlyList<PartPlan> parts,
        BackedUpPart[] results, Dictionary<int, BackedUpPart> reused, JournalState journalState, CancellationToken ct)
    {
        foreach (var part in parts)
        {
            var hashed = hasher.PartChecksum(part.Index);
            if (results[part.Index].SourceChecksum == hashed) continue;
            if (!reused.ContainsKey(part.Index)) throw ChangedWhileReading(SnapshotFiles.PartName(part.Index));
            results[part.Index] = await StoreAgainAsync(partBackup, part, hashed, null, journalState, ct).ConfigureAwait(false);
        }
    }

    private static OffsiteException ChangedWhileReading(string part) =>
        new(ErrorIds.Backup.SourceChanged, OffsiteErrorCategory.InvalidOperation,
            $"The source changed while it was being backed up (the bytes stored in {part} differ from the bytes hashed); " +
            "no snapshot was made. Back it up again once nothing writes to it.", part);

    private static bool IsUnchanged(FileInfo source, long length, DateTime lastWrite)
    {
        source.Refresh();
        return source.Exists && source.Length == length && source.LastWriteTimeUtc == lastWrite;
    }
}
