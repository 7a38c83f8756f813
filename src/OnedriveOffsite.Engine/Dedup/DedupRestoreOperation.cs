using System.Security.Cryptography;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.IO;
using OnedriveOffsite.Engine.Pipeline;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Restore;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// Restores (or, without a destination, verifies) a format v2 snapshot (docs/FORMAT.md §9.10): manifest first
/// (KeyMismatch before anything else is read), the set's index, then the chunk list page by page in windows of
/// <see cref="WindowSize"/> bytes: each window's chunks are read pack by pack in parallel into memory, then written
/// and hashed in order. The file gets its name only after the whole-file SHA-256 matched; on any failure nothing is left.
/// </summary>
public sealed class DedupRestoreOperation
{
    public const int WindowSize = 32 << 20;
    private readonly ISnapshotRepository _repository;
    private readonly MasterKey _key;

    public DedupRestoreOperation(ISnapshotRepository repository, MasterKey key)
    {
        _repository = repository;
        _key = key;
    }

    /// <summary>The local index cache (docs/FORMAT.md §9.12); null: the set's index is built in a temporary file for this run.</summary>
    public IndexCache? IndexCache { get; init; }

    /// <summary>
    /// What a read that fails with an index from the local cache may owe to the cache rather than the repository: it is
    /// tried once more with the index rebuilt from the repository's index files, and only then reported.
    /// </summary>
    internal static readonly HashSet<string> ErrorsACacheCanCause = new(StringComparer.Ordinal)
    {
        "PackMissing", "PackMismatch", "PackCorrupt", "ChunkHashMismatch", "ChunkNotIndexed", "IndexCorrupt", "IndexCacheCorrupt",
    };

    /// <summary>Free bytes on a directory's volume (null: unknown), checked before the restore writes; tests simulate a small volume with
    /// it.</summary>
    public Func<string, long?> FreeSpaceProbe { get; init; } = IO.DestinationSpace.Available;

    public async Task<V2Manifest> ReadManifestAsync(SnapshotLocation location, CancellationToken ct)
    {
        var bytes = await _repository.ReadManifestAsync(location, ct).ConfigureAwait(false)
            ?? throw new OffsiteException(ErrorIds.Snapshots.SnapshotIncomplete, OffsiteErrorCategory.InvalidOperation,
                $"snapshot {location.Set}/{location.Snapshot} has no manifest: it is incomplete and cannot be restored.",
                    location.Snapshot);
        return V2ManifestCodec.Decode(bytes, _key, location);
    }

    public async Task<RestoreResult> RunAsync(SnapshotLocation location, string destination, bool overwrite, int throttleLimit,
        IOperationObserver observer, CancellationToken ct)
    {
        var manifest = await ReadManifestAsync(location, ct).ConfigureAwait(false);
        var target = Directory.Exists(destination)
            ? Path.Combine(destination, SafeFileName(manifest.Source.Name))
            : Path.GetFullPath(destination);
        using var pending = PendingFile.Create(target, overwrite, manifest.Source.Length, FreeSpaceProbe);
        observer.Verbose($"Restoring {location.Set}/{location.Snapshot} (format 2, '{manifest.Source.Name}', {manifest.Source.Length} " +
            $"bytes, {manifest.ChunkList.Chunks} chunk(s)) from {_repository.Description} to '{target}' via '{pending.TempPath}'.");
        var progress = new TransferProgress(observer, ActivityText.Restore(manifest.Source.Name, location.Set),
            new[] { manifest.Source.Length });
        var stream = pending.Stream;
        var sha256 = await ReadAllAsync(location, manifest, throttleLimit, progress,
            (window, length) => stream.Write(window.AsSpan(0, length)), ct, observer,
            restart: () => { stream.SetLength(0); stream.Position = 0; }).ConfigureAwait(false);
        if (sha256 != manifest.Source.Sha256)
            throw new OffsiteException(ErrorIds.Snapshots.SourceHashMismatch, OffsiteErrorCategory.InvalidData,
                $"The restored data's SHA-256 {sha256} differs from the original's {manifest.Source.Sha256}; the file was not written.",
                    location.Snapshot);
        pending.Commit(overwrite, manifest.Source.LastWriteTimeUtc);
        progress.Complete();
        observer.Verbose($"Restored '{target}': {manifest.Source.Length} bytes, SHA-256 {sha256} verified, every chunk authenticated.");
        return new RestoreResult(target, manifest.Source.Length, sha256,
            V2Catalog.Describe(_repository, location, manifest, _key.KeyId), progress.Elapsed);
    }

    /// <summary>
    /// Restores into a forward-only sink (-ToCommand / -OutputStream) with no local copy: chunks in order, each
    /// authenticated before its bytes are written, the whole SHA-256 checked at the end; on a mismatch or any failure
    /// the sink is ended abnormally (a command is stopped) and the run fails, as for format 1 stream restores.
    /// </summary>
    /// <param name="openSink">Starts the destination (e.g. the command); called once, after the manifest was read and checked.</param>
    public async Task<RestoreResult> RunAsync(SnapshotLocation location, Func<Streams.IByteSink> openSink, int throttleLimit,
        IOperationObserver observer, CancellationToken ct)
    {
        var manifest = await ReadManifestAsync(location, ct).ConfigureAwait(false);
        await using var sink = openSink();
        using var stopSink = ct.Register(sink.Abort);
        observer.Verbose($"Restoring {location.Set}/{location.Snapshot} (format 2, '{manifest.Source.Name}', {manifest.Source.Length} " +
            $"bytes, {manifest.ChunkList.Chunks} chunk(s)) from {_repository.Description} into {sink.Description}. " +
            "Every chunk is authenticated " +
            "before it is written; the whole-stream SHA-256 is checked at the end.");
        var progress = new TransferProgress(observer, ActivityText.Restore(manifest.Source.Name, location.Set, $" into {sink.Description}"),
            new[] { manifest.Source.Length });
        string sha256;
        try
        {
            sha256 = await ReadAllAsync(location, manifest, throttleLimit, progress,
                (window, length) => sink.WriteAsync(window.AsMemory(0, length), ct).AsTask().GetAwaiter().GetResult(), ct)
                .ConfigureAwait(false);
            if (sha256 != manifest.Source.Sha256)
                throw Restore.StreamRestoreOperation.WholeHashMismatch(sha256, manifest.Source.Sha256, sink.Description, location);
        }
        catch
        {
            sink.Abort();
            throw;
        }
        await sink.CompleteAsync(ct).ConfigureAwait(false);
        progress.Complete();
        observer.Verbose($"Restored {manifest.Source.Length} bytes into {sink.Description}: SHA-256 {sha256} verified, every chunk " +
            "authenticated.");
        return new RestoreResult(sink.Description, manifest.Source.Length, sha256,
            V2Catalog.Describe(_repository, location, manifest, _key.KeyId), progress.Elapsed);
    }

    /// <summary>
    /// Reads every chunk of the snapshot in order, handing each completed window to <paramref name="sink"/>, and
    /// returns the SHA-256 of all of it (hex). Used by restore (sink writes) and Test-OffsiteBackup -Full (no sink).
    /// </summary>
    /// <param name="restart">Called before the chunks are read again from the start (a retry with a rebuilt index); the sink must drop what
    /// it got.</param>
    /// <param name="checkChunkIds">Also recompute every chunk's id (Test-OffsiteBackup -Full; see <see cref="ChunkReader.ReadAsync"/>).
    /// </param>
    public async Task<string> ReadAllAsync(SnapshotLocation location, V2Manifest manifest, int throttleLimit, TransferProgress progress,
        Action<byte[], int>? sink, CancellationToken ct, IOperationObserver? observer = null, Action? restart = null,
        bool checkChunkIds = false)
    {
        ThreadPoolSizing.EnsureFor(throttleLimit);
        // Only a run that recomputes chunk ids hashes with BLAKE3 (a restore does not: see ChunkReader.ReadAsync).
        var warming = checkChunkIds ? HashWarmup.EnsureStarted() : Task.CompletedTask;
        using var current = TransferActivity.Enter(progress.Part(0));
        observer ??= NullObserver.Instance;
        var index = await SetIndexLoader.LoadAsync(_repository, _key, location.Set, IndexCache, trustCache: true, observer,
            ct).ConfigureAwait(false);
        try
        {
            await warming.WaitAsync(ct).ConfigureAwait(false);
            return await ReadAllAsync(index, location, manifest, throttleLimit, progress, sink, checkChunkIds, ct).ConfigureAwait(false);
        }
        // Only when what was delivered can be taken back: a command or stream that received bytes cannot be rewound.
        catch (OffsiteException e)
            when (index.FromCache && ErrorsACacheCanCause.Contains(e.ErrorId) && (sink is null || restart is not null))
        {
            observer.Verbose($"{e.ErrorId} with the set's index from the local index cache ({e.Message}); rebuilding the index from the " +
                "repository and reading again.");
            index.Dispose();
            index = await SetIndexLoader.LoadAsync(_repository, _key, location.Set, IndexCache, trustCache: false, observer,
                ct).ConfigureAwait(false);
            restart?.Invoke();
            return await ReadAllAsync(index, location, manifest, throttleLimit, progress, sink, checkChunkIds, ct).ConfigureAwait(false);
        }
        finally
        {
            index.Dispose();
        }
    }

    private async Task<string> ReadAllAsync(SetIndex index, SnapshotLocation location, V2Manifest manifest, int throttleLimit,
        TransferProgress progress, Action<byte[], int>? sink, bool checkChunkIds, CancellationToken ct)
    {
        var idKey = V2Keys.ChunkIdKey(_key);
        var what = $"snapshot {location.Set}/{location.Snapshot}";
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // Memory is fixed whatever the snapshot's size: two windows (one filling, one being written) and one set of
        // record buffers per parallel pack reader.
        using var readBuffers = new BoundedPool<ChunkReadBuffers>(Math.Max(1, throttleLimit), () => new ChunkReadBuffers());
        var filling = IO.LargeBuffer.Allocate(WindowSize + 4 * (4 << 20));
        var draining = IO.LargeBuffer.Allocate(filling.Length);
        Task flushing = Task.CompletedTask;
        var reads = new Dictionary<ChunkId, ChunkRead>();
        var used = 0;

        async Task FlushWindowAsync()
        {
            if (used == 0 && reads.Count == 0) return;
            var byPack = reads.Values.GroupBy(r => r.Location.Pack).ToList();
            var window = filling;
            await Parallel.ForEachAsync(byPack, new ParallelOptions { MaxDegreeOfParallelism = throttleLimit, CancellationToken = ct },
                async (group, token) =>
            {
                var buffers = await readBuffers.RentAsync(token).ConfigureAwait(false);
                try
                {
                    await ChunkReader.ReadAsync(_repository, _key, idKey, location.Set, index.Packs[group.Key], group.ToList(),
                        (read, data) =>
                    {
                        foreach (var t in read.Targets) data.Span.CopyTo(window.AsSpan((int)t));
                    }, token, buffers, checkChunkIds).ConfigureAwait(false);
                }
                finally
                {
                    readBuffers.Return(buffers);
                }
            }).ConfigureAwait(false);
            await flushing.ConfigureAwait(false);
            var length = used;
            (filling, draining) = (draining, filling);
            flushing = Task.Run(() =>
            {
                sha.AppendData(window, 0, length);
                sink?.Invoke(window, length);
                progress.Add(0, length, _repository.ReadStep + (sink is null ? ", verifying" : ", decrypting, writing"));
            }, ct);
            reads.Clear();
            used = 0;
        }

        try
        {
            await using (var list = await _repository.OpenReadAsync(location, V2Layout.ChunkListName, ct).ConfigureAwait(false))
            {
                await foreach (var chunk in ChunkListReader.ReadAsync(list, _key, manifest, what, ct).ConfigureAwait(false))
                {
                    if (!index.TryGet(chunk.Id, out var loc))
                        throw new OffsiteException("ChunkNotIndexed", OffsiteErrorCategory.ObjectNotFound,
                            $"Chunk {chunk.Id} of {what} is in none of the set's index files (an index file or pack was removed).",
                                chunk.Id.ToString());
                    if (loc.PlainLength != chunk.Length)
                        throw new OffsiteException("IndexCorrupt", OffsiteErrorCategory.InvalidData,
                            $"The set's index records {loc.PlainLength} bytes for chunk {chunk.Id}, the chunk list of {what} " +
                                $"{chunk.Length}.", chunk.Id.ToString());
                    if (!reads.TryGetValue(chunk.Id, out var read)) reads[chunk.Id] = read = new ChunkRead(chunk.Id, loc, new List<long>());
                    read.Targets.Add(used);
                    used += (int)chunk.Length;
                    if (used >= WindowSize) await FlushWindowAsync().ConfigureAwait(false);
                }
            }
            await FlushWindowAsync().ConfigureAwait(false);
            await flushing.ConfigureAwait(false);
        }
        catch
        {
            // The window being written must be done before anyone (a retry) touches the destination again.
            try { await flushing.ConfigureAwait(false); } catch { /* the first failure is what is reported */ }
            throw;
        }
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }

    private static string SafeFileName(string name)
    {
        var file = Path.GetFileName(name.Replace('\\', '/'));
        return string.IsNullOrWhiteSpace(file) || file is "." or ".." ? "restored.bin" : file;
    }
}
