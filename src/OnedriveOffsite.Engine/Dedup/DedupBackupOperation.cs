using OnedriveOffsite.Engine.Snapshots;
using System.Security.Cryptography;
using System.Threading.Channels;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Pipeline;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Dedup;

public sealed record DedupBackupResult(SnapshotInfo Snapshot, TimeSpan Duration, V2Manifest Manifest)
{
    /// <summary>How many of each pooled buffer the run created and used, against the pool's bound (memory by design).</summary>
    public DedupBufferStats? Buffers { get; init; }
}

/// <summary>
/// Per pool: objects created (never more than the capacity), and the times one was handed out. A batch holds one read
/// block, so batches rented = blocks read.
/// </summary>
public sealed record DedupBufferStats(
    int BatchesCreated, int BatchCapacity, int BatchesRented,
    int PackBuffersCreated, int PackBufferCapacity, int PackBuffersRented);

/// <summary>
/// Backs up one file as a format v2 snapshot (docs/FORMAT.md §9): the source is read once (whole-file SHA-256 on
/// the way), cut into content-defined chunks, and only chunks the set's index does not hold yet are compressed,
/// sealed into packs and stored (packs in parallel). Then the index file of the new chunks, the chunk list, and the
/// manifest last. Nothing is ever overwritten; an interrupted run leaves only unreferenced packs.
/// </summary>
public sealed class DedupBackupOperation
{
    private readonly ISnapshotRepository _repository;
    private readonly MasterKey _key;
    private readonly int _packSize;
    private readonly int _averageChunk;

    public DedupBackupOperation(ISnapshotRepository repository, MasterKey key, int packSize = V2Layout.DefaultPackSize,
        int averageChunk = GearChunker.DefaultAverage)
    {
        _repository = repository;
        _key = key;
        _packSize = packSize;
        _averageChunk = averageChunk;
    }

    /// <summary>The local index cache (docs/FORMAT.md §9.12); null: the set's index is built in a temporary file for this run.</summary>
    public IndexCache? IndexCache { get; init; }

    /// <summary>
    /// New packs stored between two index files of one run (default 64: 1 GiB of 16 MiB packs). A run killed or
    /// stopped after a checkpoint leaves packs that an index file lists, so the next backup of the set reuses them
    /// instead of uploading them again (docs/FORMAT.md §9.9).
    /// </summary>
    public int CheckpointPacks { get; init; } = 64;

    /// <summary>
    /// Starts the once-per-process hash warm-up (see HashWarmup) ahead of a run, so that it overlaps the caller's own
    /// start-up; a run waits for it before its pipeline starts anyway.
    /// </summary>
    public static void StartWarmUp() => HashWarmup.EnsureStarted();

    /// <summary>Backs up one file.</summary>
    public async Task<DedupBackupResult> RunAsync(BackupRequest request, IOperationObserver observer, CancellationToken ct)
    {
        var file = BackupOperation.Validate(request);
        return await RunAsync(request.SetName, request.Compression, request.ThrottleLimit, request.Lock, request.AllowKeyChange,
            () => new FileDedupSource(file), observer, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Backs up a stream (-FromCommand / -InputStream): read once, chunked as it comes; the snapshot is complete only
    /// if the producer ended well (a command's exit code 0), as for format 1 stream backups.
    /// </summary>
    /// <param name="openSource">Starts the source (e.g. the command); called once, after the set's lock is taken.</param>
    /// <param name="kind">"command" or "stream", recorded in the manifest.</param>
    public async Task<DedupBackupResult> RunStreamAsync(StreamBackupRequest request, Func<Streams.IByteSource> openSource, string kind,
        IOperationObserver observer, CancellationToken ct)
    {
        StreamBackupOperation.Validate(request);
        return await RunAsync(request.SetName, request.Compression, request.ThrottleLimit, request.Lock, request.AllowKeyChange,
            () => new StreamDedupSource(openSource(), request.SourceName, kind), observer, ct).ConfigureAwait(false);
    }

    private async Task<DedupBackupResult> RunAsync(string set, Compression.CompressionMode compression, int throttleLimit,
        Locking.LockOptions lockOptions, bool allowKeyChange, Func<DedupSource> openSource, IOperationObserver observer,
        CancellationToken ct)
    {
        var warming = HashWarmup.EnsureStarted();
        // One run per set at a time, as for v1: packs, index files and the manifest are written under the set's lock.
        await using var setLock = await Locking.RepositoryLock.AcquireAsync(_repository, set, "backup", lockOptions, observer,
            ct).ConfigureAwait(false);
        ThreadPoolSizing.EnsureFor(throttleLimit + 2);
        var snapshotId = RandomNumberGenerator.GetBytes(16);
        var created = DateTime.UtcNow;
        var location = new SnapshotLocation(set, SnapshotFiles.SnapshotFolder(created, snapshotId));

        // As for format 1: a host that silently got another key must not go on storing what the saved key cannot read.
        await KeyContinuityCheck.EnsureAsync(_repository, set, _key, allowKeyChange, observer, ct).ConfigureAwait(false);
        // Loaded under the set's lock: no other run adds or removes index files (or packs) of the set meanwhile.
        using var index = await LoadIndexAsync(set, allowKeyChange, observer, ct).ConfigureAwait(false);
        var chunker = new GearChunker(V2Keys.GearTable(_key), _averageChunk);
        var idKey = V2Keys.ChunkIdKey(_key);
        await using var source = openSource();
        var looksCompressed = source.LooksCompressed;
        observer.Verbose($"Backing up {source.Description} to {_repository.Description} as {set}/{location.Snapshot} (format 2): " +
            $"the set's index holds {index.ChunkCount} chunk(s) in {index.Packs.Count} pack(s); chunks of {chunker.Min}–{chunker.Max} " +
                $"bytes (average {chunker.Average}), packs of {_packSize} bytes, compression {compression}, key {_key.KeyId}.");

        await warming.WaitAsync(ct).ConfigureAwait(false);
        if (!HashWarmup.Optimized) observer.Verbose("BLAKE3 is not running as optimized code yet (a busy machine); the first chunks are " +
            "hashed more slowly.");
        var progress = source.Progress(observer, set);
        using var current = TransferActivity.Enter(progress.Status);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var stopSource = cts.Token.Register(source.Abort);
        // Memory is bounded by design (docs/DECISIONS.md "v2 memory"): a fixed number of batches (hashing and
        // compression run on as many at once as there are cores, no more) and of pack buffers (one filling, one per
        // upload slot); every stage that runs ahead waits for one of them, nothing is allocated per chunk.
        var workers = Math.Clamp(Environment.ProcessorCount, 1, Math.Max(1, throttleLimit));
        using var batchPool = SourceChunkStream.CreateBatchPool(chunker, workers + 2);
        using var packPool = new BoundedPool<byte[]>(throttleLimit + 1,
            () => IO.LargeBuffer.Allocate(PackBuilder.BufferSize(_packSize, chunker.Max)));
        var batches = Channel.CreateBounded<Task<ChunkBatch>>(
            new BoundedChannelOptions(workers) { SingleReader = true, SingleWriter = true });
        var stream = source.ChunkStream(chunker, batchPool);
        var producing = stream.RunAsync(async batch =>
        {
            var processed = Task.Run(() => { batch.Process(idKey, index, compression, looksCompressed); return batch; }, cts.Token);
            await batches.Writer.WriteAsync(processed, cts.Token).ConfigureAwait(false);
        }, cts.Token);
        _ = producing.ContinueWith(t => batches.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);

        var chunkListPath = Path.Combine(Path.GetTempPath(), $".oo-chunks-{Guid.NewGuid():N}");
        var chunkListSalt = RandomNumberGenerator.GetBytes(32);
        var newEntries = new IndexEntrySpill();
        var newPacks = new List<PackRecord>();
        long checkpointedChunks = 0, checkpointedPacks = 0, checkpointedStored = 0;
        string? indexName = null;
        var added = new RecentChunkSet();
        var uploads = new List<Task>();
        using var uploadSlots = new SemaphoreSlim(throttleLimit);
        long addedPlain = 0, chunkCount = 0;
        PackBuilder? pack = null;
        try
        {
            await using (var listFile = V2Store.OpenOwnerOnlyTemp(chunkListPath))
            {
                using var list = new ChunkListWriter(listFile, _key, snapshotId, chunkListSalt);
                try
                {
                    await foreach (var pending in batches.Reader.ReadAllAsync(cts.Token).ConfigureAwait(false))
                    {
                        var batch = await pending.ConfigureAwait(false);
                        long batchBytes = 0;
                        for (var i = 0; i < batch.Count; i++)
                        {
                            var id = batch.Ids[i];
                            var chunkLength = (uint)batch.Lengths[i];
                            batchBytes += chunkLength;
                            list.Add(id, chunkLength);
                            if (batch.Encoded[i] is not { } encoded || added.Contains(id)) continue;
                            pack ??= new PackBuilder(_key, _packSize, chunker.Max,
                                buffer: await packPool.RentAsync(cts.Token).ConfigureAwait(false));
                            var (offset, stored) = pack.Add(id, encoded.Codec, encoded.Payload.Span);
                            newEntries.Add(new IndexEntry(id, newPacks.Count, offset, stored, chunkLength));
                            added.Add(id);
                            addedPlain += chunkLength;
                            if (pack.IsFull)
                            {
                                uploads.Add(await StartUploadAsync(pack, set, newPacks, uploadSlots, packPool, observer,
                                    cts.Token).ConfigureAwait(false));
                                pack = null;
                                if (newPacks.Count >= CheckpointPacks)
                                {
                                    // Checkpoint: once these packs are stored, an index file lists them (packs are
                                    // numbered per index file, so the next ones start a new table).
                                    await Task.WhenAll(uploads).ConfigureAwait(false);
                                    uploads.Clear();
                                    await setLock.EnsureHeldAsync(cts.Token).ConfigureAwait(false);
                                    indexName = await V2Store.StoreIndexAsync(_repository, _key, set, newPacks, newEntries, observer,
                                        cts.Token).ConfigureAwait(false);
                                    observer.Verbose($"Stored index file {indexName} listing the {newPacks.Count} pack(s) stored since " +
                                        "the last one (a run interrupted from here on reuses them).");
                                    checkpointedChunks += newEntries.Count;
                                    checkpointedPacks += newPacks.Count;
                                    checkpointedStored += newPacks.Sum(p => p.Length);
                                    newEntries.Dispose();
                                    newEntries = new IndexEntrySpill();
                                    newPacks = new List<PackRecord>();
                                }
                            }
                        }
                        batchPool.Return(batch);
                        progress.Add(batchBytes, "reading, deduplicating, encrypting");
                    }
                    await producing.ConfigureAwait(false);
                    if (pack is { ChunkCount: > 0 })
                    {
                        uploads.Add(await StartUploadAsync(pack, set, newPacks, uploadSlots, packPool, observer,
                            cts.Token).ConfigureAwait(false));
                        pack = null;
                    }
                    await Task.WhenAll(uploads).ConfigureAwait(false);
                }
                catch
                {
                    cts.Cancel();
                    // The first failure is what is reported.
                    try { await Task.WhenAll(uploads.Append(producing)).ConfigureAwait(false); } catch { }
                    throw;
                }
                finally
                {
                    pack?.Dispose();
                }
                list.Finish();
                chunkCount = list.Chunks;
                await listFile.FlushAsync(ct).ConfigureAwait(false);
            }
            var sourceTime = await source.FinishAsync(ct).ConfigureAwait(false);
            var sha256 = Convert.ToHexString(stream.Sha256!).ToLowerInvariant();

            StoredFile? indexFile = null;
            if (newEntries.Count > 0)
            {
                indexFile = await V2Store.StoreIndexFileAsync(_repository, _key, set, newPacks, newEntries, observer,
                    ct).ConfigureAwait(false);
                indexName = indexFile.Name;
            }
            var addedChunks = checkpointedChunks + newEntries.Count;
            var addedPacks = checkpointedPacks + newPacks.Count;
            var addedStored = checkpointedStored + newPacks.Sum(p => p.Length);
            var listLength = await V2Store.StoreFileAsync(_repository, chunkListPath, location, V2Layout.ChunkListName, observer,
                ct).ConfigureAwait(false);

            var manifest = new V2Manifest
            {
                SnapshotId = Convert.ToHexString(snapshotId).ToLowerInvariant(),
                Set = set,
                Snapshot = location.Snapshot,
                CreatedUtc = created,
                CompletedUtc = DateTime.UtcNow,
                Source = new SnapshotManifest.SourceInfo
                {
                    Name = source.Name, Path = source.Path, Length = stream.BytesRead, LastWriteTimeUtc = sourceTime, Sha256 = sha256,
                    Kind = source.Kind, Program = source.Program,
                },
                Chunking = new V2Manifest.ChunkingInfo { Min = chunker.Min, Average = chunker.Average, Max = chunker.Max },
                ChunkList = new V2Manifest.ChunkListInfo
                {
                    Salt = Convert.ToHexString(chunkListSalt).ToLowerInvariant(), StoredLength = listLength, Chunks = chunkCount,
                },
                Compression = compression.ToString(),
                Added = new V2Manifest.AddedInfo
                {
                    Chunks = addedChunks, PlainBytes = addedPlain, Packs = (int)addedPacks, StoredBytes = addedStored,
                    IndexFile = indexName,
                },
                Tool = ToolInfo.UserAgentProduct,
                Host = Environment.MachineName,
            };
            await setLock.EnsureHeldAsync(ct).ConfigureAwait(false);
            await _repository.WriteManifestAsync(location, V2ManifestCodec.Encode(manifest, _key, snapshotId), ct).ConfigureAwait(false);
            progress.Complete();
            if (indexFile is not null && IndexCache is not null) UpdateCache(index, set, indexFile, newPacks, newEntries, observer);
            observer.Verbose($"Snapshot {set}/{location.Snapshot} is complete (format 2): SHA-256 {sha256}; {chunkCount} chunk(s), " +
                $"{addedChunks} new ({addedPlain} bytes) stored in {addedPacks} pack(s) of {manifest.Added.StoredBytes} bytes, in " +
                    $"{progress.Elapsed.TotalSeconds:0.0} s.");
            return new DedupBackupResult(V2Catalog.Describe(_repository, location, manifest, _key.KeyId), progress.Elapsed, manifest)
            {
                Buffers = new DedupBufferStats(batchPool.Created, batchPool.Capacity, batchPool.Rented,
                    packPool.Created, packPool.Capacity, packPool.Rented),
            };
        }
        finally
        {
            newEntries.Dispose();
            try { File.Delete(chunkListPath); } catch (IOException) { }
        }
    }

    /// <summary>
    /// The set's index. Its index files list chunk ids keyed with the key that made them, so a set whose index files were
    /// made with another key cannot be deduplicated against: with -AllowKeyChange that is said plainly (nothing stored).
    /// </summary>
    private async Task<SetIndex> LoadIndexAsync(string set, bool allowKeyChange, IOperationObserver observer, CancellationToken ct)
    {
        try
        {
            return await SetIndexLoader.LoadAsync(_repository, _key, set, IndexCache, trustCache: true, observer, ct)
                .ConfigureAwait(false);
        }
        catch (OffsiteException e) when (allowKeyChange && e.ErrorId == ErrorIds.Keys.KeyMismatch)
        {
            throw new OffsiteException(ErrorIds.Keys.KeyMismatch, OffsiteErrorCategory.SecurityError,
                $"Set '{set}' holds format 2 data made with another key ({e.Message}) A format 2 set keeps the key it was started " +
                    $"with, even with -AllowKeyChange: back up with key {_key.KeyId} into a new set (-Name), or load the set's key. " +
                    "Nothing was stored.", set, e);
        }
    }

    /// <summary>
    /// Stores a full pack in the background: its BLAKE3 (for the index) is computed there too, so the consumer goes on
    /// filling the next pack. The pack's number in <paramref name="packs"/> is fixed now (chunk entries refer to it);
    /// its record is filled in before the upload task completes. The buffer goes back to <paramref name="pool"/> after.
    /// </summary>
    private async Task<Task> StartUploadAsync(PackBuilder pack, string set, List<PackRecord> packs, SemaphoreSlim slots,
        BoundedPool<byte[]> pool, IOperationObserver observer, CancellationToken ct)
    {
        int number;
        lock (packs)
        {
            number = packs.Count;
            packs.Add(null!);
        }
        await slots.WaitAsync(ct).ConfigureAwait(false);
        return Task.Run(async () =>
        {
            try
            {
                using (pack)
                {
                    var record = pack.Describe();
                    lock (packs) packs[number] = record;
                    await V2Store.StoreAsync(_repository, V2Layout.Packs(set), record.Name, pack.Bytes, observer, ct).ConfigureAwait(false);
                }
            }
            finally
            {
                pool.Return(pack.Buffer);
                slots.Release();
            }
        }, ct);
    }

    /// <summary>
    /// Adds the index file this backup stored to the local index cache (from the entries it holds already), so the next
    /// backup downloads nothing. Only a cache: a failure is reported and the next run merges the file from the repository.
    /// </summary>
    private void UpdateCache(SetIndex index, string set, StoredFile indexFile, IReadOnlyList<PackRecord> packs, IndexEntrySpill entries,
        IOperationObserver observer)
    {
        try { SetIndexLoader.AddStoredIndexFile(index, IndexCache!, _repository, _key, set, indexFile, packs, entries, observer); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            observer.Verbose($"The local index cache of set '{set}' was not updated ({e.Message}); the next backup downloads index file " +
                $"{indexFile.Name}.");
        }
    }
}
