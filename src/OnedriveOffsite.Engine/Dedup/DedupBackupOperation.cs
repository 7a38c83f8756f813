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

public sealed record DedupBackupResult(SnapshotInfo Snapshot, TimeSpan Duration, V2Manifest Manifest);

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

    public DedupBackupOperation(ISnapshotRepository repository, MasterKey key, int packSize = V2Layout.DefaultPackSize, int averageChunk = GearChunker.DefaultAverage)
    {
        _repository = repository;
        _key = key;
        _packSize = packSize;
        _averageChunk = averageChunk;
    }

    public async Task<DedupBackupResult> RunAsync(BackupRequest request, IOperationObserver observer, CancellationToken ct)
    {
        var source = BackupOperation.Validate(request);
        // One run per set at a time, as for v1: packs, index files and the manifest are written under the set's lock.
        await using var setLock = await Locking.RepositoryLock.AcquireAsync(_repository, request.SetName, "backup", request.Lock, observer, ct).ConfigureAwait(false);
        ThreadPoolSizing.EnsureFor(request.ThrottleLimit + 2);
        using var handle = File.OpenHandle(source.FullName, FileMode.Open, FileAccess.Read, FileShare.Read);
        var length = RandomAccess.GetLength(handle);
        var lastWrite = source.LastWriteTimeUtc;
        var snapshotId = RandomNumberGenerator.GetBytes(16);
        var created = DateTime.UtcNow;
        var location = new SnapshotLocation(request.SetName, SnapshotFiles.SnapshotFolder(created, snapshotId));
        var set = request.SetName;

        var index = await V2Store.LoadIndexAsync(_repository, _key, set, ct).ConfigureAwait(false);
        var chunker = new GearChunker(V2Keys.GearTable(_key), _averageChunk);
        var idKey = V2Keys.ChunkIdKey(_key);
        var looksCompressed = CodecChooser.FileLooksCompressed(handle);
        observer.Verbose($"Backing up '{source.FullName}' ({length} bytes) to {_repository.Description} as {set}/{location.Snapshot} (format 2): " +
            $"the set's index holds {index.ChunkCount} chunk(s) in {index.Packs.Count} pack(s); chunks of {chunker.Min}–{chunker.Max} bytes (average {chunker.Average}), packs of {_packSize} bytes, compression {request.Compression}, key {_key.KeyId}.");

        var progress = new TransferProgress(observer, ActivityText.Backup(source.Name, set), new[] { length });
        using var current = TransferActivity.Enter(progress.Part(0));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var batches = Channel.CreateBounded<Task<ChunkBatch>>(new BoundedChannelOptions(request.ThrottleLimit + 1) { SingleReader = true, SingleWriter = true });
        var stream = new SourceChunkStream(handle, length, chunker);
        var producing = stream.RunAsync(async batch =>
            await batches.Writer.WriteAsync(Task.Run(() => { batch.Process(idKey, index, request.Compression, looksCompressed); return batch; }, cts.Token), cts.Token).ConfigureAwait(false), cts.Token);
        _ = producing.ContinueWith(t => batches.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);

        var chunkListPath = Path.Combine(Path.GetTempPath(), $".oo-chunks-{Guid.NewGuid():N}");
        var chunkListSalt = RandomNumberGenerator.GetBytes(32);
        var newEntries = new List<IndexEntry>();
        var newPacks = new List<PackRecord>();
        var added = new Dictionary<ChunkId, bool>();
        var uploads = new List<Task>();
        using var uploadSlots = new SemaphoreSlim(request.ThrottleLimit);
        long addedPlain = 0, chunkCount = 0;
        PackBuilder? pack = null;
        try
        {
            await using (var listFile = OpenOwnerOnly(chunkListPath))
            {
                using var list = new ChunkListWriter(listFile, _key, snapshotId, chunkListSalt);
                try
                {
                    await foreach (var pending in batches.Reader.ReadAllAsync(cts.Token).ConfigureAwait(false))
                    {
                        var batch = await pending.ConfigureAwait(false);
                        for (var i = 0; i < batch.Lengths.Count; i++)
                        {
                            var id = batch.Ids[i];
                            var chunkLength = (uint)batch.Lengths[i];
                            list.Add(id, chunkLength);
                            if (batch.Encoded[i] is not { } encoded || added.ContainsKey(id)) continue;
                            pack ??= new PackBuilder(_key, _packSize, chunker.Max);
                            var (offset, stored) = pack.Add(id, encoded.Codec, encoded.Payload.Span);
                            newEntries.Add(new IndexEntry(id, newPacks.Count, offset, stored, chunkLength));
                            added[id] = true;
                            addedPlain += chunkLength;
                            if (pack.IsFull)
                            {
                                uploads.Add(await StartUploadAsync(pack, set, newPacks, uploadSlots, observer, cts.Token).ConfigureAwait(false));
                                pack = null;
                            }
                        }
                        progress.Add(0, batch.Lengths.Sum(), "reading, deduplicating, encrypting");
                    }
                    await producing.ConfigureAwait(false);
                    if (pack is { ChunkCount: > 0 })
                    {
                        uploads.Add(await StartUploadAsync(pack, set, newPacks, uploadSlots, observer, cts.Token).ConfigureAwait(false));
                        pack = null;
                    }
                    await Task.WhenAll(uploads).ConfigureAwait(false);
                }
                catch
                {
                    cts.Cancel();
                    try { await Task.WhenAll(uploads.Append(producing)).ConfigureAwait(false); } catch { /* the first failure is what is reported */ }
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
            EnsureUnchanged(source, length, lastWrite);
            var sha256 = Convert.ToHexString(stream.Sha256!).ToLowerInvariant();

            string? indexName = null;
            if (newEntries.Count > 0)
            {
                var indexId = RandomNumberGenerator.GetBytes(16);
                indexName = V2Layout.IndexName(indexId);
                var indexBytes = await IndexFileCodec.EncodeAsync(_key, indexId, null, set, newPacks, newEntries).ConfigureAwait(false);
                await V2Store.StoreAsync(_repository, V2Layout.Index(set), indexName, indexBytes, observer, ct).ConfigureAwait(false);
            }
            var listLength = new FileInfo(chunkListPath).Length;
            await V2Store.StoreAsync(_repository, location, V2Layout.ChunkListName, async (sink, c) =>
            {
                await using var file = File.OpenRead(chunkListPath);
                var buffer = new byte[1 << 20];
                int n;
                while ((n = await file.ReadAsync(buffer, c).ConfigureAwait(false)) > 0) await sink.WriteAsync(buffer.AsMemory(0, n), c).ConfigureAwait(false);
            }, listLength, observer, ct).ConfigureAwait(false);

            var manifest = new V2Manifest
            {
                SnapshotId = Convert.ToHexString(snapshotId).ToLowerInvariant(),
                Set = set,
                Snapshot = location.Snapshot,
                CreatedUtc = created,
                CompletedUtc = DateTime.UtcNow,
                Source = new SnapshotManifest.SourceInfo { Name = source.Name, Path = source.FullName, Length = length, LastWriteTimeUtc = lastWrite, Sha256 = sha256 },
                Chunking = new V2Manifest.ChunkingInfo { Min = chunker.Min, Average = chunker.Average, Max = chunker.Max },
                ChunkList = new V2Manifest.ChunkListInfo { Salt = Convert.ToHexString(chunkListSalt).ToLowerInvariant(), StoredLength = listLength, Chunks = chunkCount },
                Compression = request.Compression.ToString(),
                Added = new V2Manifest.AddedInfo { Chunks = newEntries.Count, PlainBytes = addedPlain, Packs = newPacks.Count, StoredBytes = newPacks.Sum(p => p.Length), IndexFile = indexName },
                Tool = ToolInfo.UserAgentProduct,
                Host = Environment.MachineName,
            };
            await setLock.EnsureHeldAsync(ct).ConfigureAwait(false);
            await _repository.WriteManifestAsync(location, V2ManifestCodec.Encode(manifest, _key, snapshotId), ct).ConfigureAwait(false);
            progress.Complete();
            observer.Verbose($"Snapshot {set}/{location.Snapshot} is complete (format 2): SHA-256 {sha256}; {chunkCount} chunk(s), {newEntries.Count} new ({addedPlain} bytes) stored in {newPacks.Count} pack(s) of {manifest.Added.StoredBytes} bytes, in {progress.Elapsed.TotalSeconds:0.0} s.");
            return new DedupBackupResult(V2Catalog.Describe(_repository, location, manifest, _key.KeyId), progress.Elapsed, manifest);
        }
        finally
        {
            try { File.Delete(chunkListPath); } catch (IOException) { }
        }
    }

    private async Task<Task> StartUploadAsync(PackBuilder pack, string set, List<PackRecord> packs, SemaphoreSlim slots, IOperationObserver observer, CancellationToken ct)
    {
        var record = pack.Describe();
        packs.Add(record);
        await slots.WaitAsync(ct).ConfigureAwait(false);
        return Task.Run(async () =>
        {
            try
            {
                using (pack) await V2Store.StoreAsync(_repository, V2Layout.Packs(set), record.Name, pack.Bytes, observer, ct).ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }
        }, ct);
    }

    private static FileStream OpenOwnerOnly(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 1 << 16 };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return new FileStream(path, options);
    }

    private static void EnsureUnchanged(FileInfo source, long length, DateTime lastWrite)
    {
        source.Refresh();
        if (!source.Exists || source.Length != length || source.LastWriteTimeUtc != lastWrite)
            throw new OffsiteException(ErrorIds.Backup.SourceChanged, OffsiteErrorCategory.InvalidOperation,
                $"'{source.FullName}' changed while it was being backed up; no snapshot was made. Back it up again once nothing writes to it.", source.FullName);
    }
}
