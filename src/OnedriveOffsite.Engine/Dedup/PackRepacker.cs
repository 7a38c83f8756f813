using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Locking;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>What optimizing a set's packs did (<see cref="PackRepacker"/>); byte counts are of the set's packs and index files.</summary>
public sealed record RepackResult(string Set, int PacksRewritten, int PacksWritten, int PacksDeleted, long ChunksMoved,
    long StoredBytesBefore, long StoredBytesAfter, int IndexFilesReplaced)
{
    public long BytesFreed => StoredBytesBefore - StoredBytesAfter;
}

/// <summary>
/// Frees the space that partly used format 2 packs waste (Optimize-OffsiteRepository, docs/FORMAT.md §9.9b), under the
/// set's lock. <see cref="PlanAsync"/> finds, from the index and the remaining snapshots' chunk lists, the packs whose
/// unused share is above a threshold; <see cref="ApplyAsync"/> copies their still-needed chunks into new packs (fresh
/// ids and salts: each record is opened, checked, and sealed again under the new pack's key at its new offset; the
/// codec and compressed payload are kept), stores them, stores ONE index file describing every needed chunk, deletes
/// the older index files, and then the packs no index names any more. Every index entry names a pack that exists at
/// every step, so a run killed anywhere leaves a set whose snapshots restore, and the next run (or pruning) deletes what
/// it left. Memory: one pack being filled and one being stored (two buffers of the pack size), one record being read.
/// </summary>
public static class PackRepacker
{
    /// <summary>
    /// The default threshold: packs with more than this share unused are rewritten (docs/DECISIONS.md "Repacking").
    /// </summary>
    public const double DefaultMaxUnusedPercent = 10;

    /// <summary>Packs whose needed chunks are gathered in one pass over the index (bounds the chunk lists held at once).</summary>
    private const int PacksPerPass = 256;

    /// <summary>
    /// Whether the set holds format v2 data (packs or index files); without it there is nothing to optimize. Needs no key.
    /// </summary>
    public static async Task<bool> HoldsFormat2DataAsync(ISnapshotRepository repository, string set, CancellationToken ct) =>
        (await ListAsync(repository, V2Layout.Packs(set), V2Layout.PackExtension, ct).ConfigureAwait(false)).Count > 0
        || (await ListAsync(repository, V2Layout.Index(set), V2Layout.IndexExtension, ct).ConfigureAwait(false)).Count > 0;

    /// <summary>Null when the set holds no format v2 data (nothing to optimize); otherwise what optimizing would do.</summary>
    public static async Task<RepackPlan?> PlanAsync(ISnapshotRepository repository, MasterKey key, string set, double maxUnusedPercent,
        CancellationToken ct)
    {
        if (double.IsNaN(maxUnusedPercent) || maxUnusedPercent < 0 || maxUnusedPercent > 100)
            throw new ArgumentOutOfRangeException(nameof(maxUnusedPercent));
        var packFiles = await ListAsync(repository, V2Layout.Packs(set), V2Layout.PackExtension, ct).ConfigureAwait(false);
        var indexFiles = await ListAsync(repository, V2Layout.Index(set), V2Layout.IndexExtension, ct).ConfigureAwait(false);
        if (packFiles.Count == 0 && indexFiles.Count == 0) return null;
        var index = await V2Store.LoadIndexAsync(repository, key, set, ct).ConfigureAwait(false);
        var usage = await SetUsage.ReadAsync(repository, key, set, index, ct).ConfigureAwait(false);
        var rewrite = new List<int>();
        var kept = new List<int>();
        for (var p = 0; p < index.Packs.Count; p++)
        {
            if (!usage.PackNeeded(p)) continue;
            var length = Math.Max(1, index.Packs[p].Length);
            var unused = Math.Max(0, length - V2Header.Size - usage.StoredUsed(p));
            (unused * 100.0 / length > maxUnusedPercent ? rewrite : kept).Add(p);
        }
        return new RepackPlan(set, maxUnusedPercent, index, usage, rewrite, kept, packFiles, indexFiles);
    }

    public static async Task<RepackResult> ApplyAsync(ISnapshotRepository repository, MasterKey key, RepackPlan plan,
        RepositoryLock setLock, IOperationObserver observer, CancellationToken ct, int packSize = V2Layout.DefaultPackSize)
    {
        var set = plan.Set;
        var index = plan.Index;
        var written = new List<PackRecord>();
        long moved = 0;
        var replaced = 0;
        if (plan.ReplacesIndex)
        {
            using var entries = new IndexEntrySpill();
            var table = plan.Kept.Select(p => index.Packs[p]).ToList();
            AddKeptEntries(index, plan.Kept, entries);
            if (plan.Rewrite.Count > 0)
            {
                // Losing the lock (another run broke it after a long outage) stops the copying at once.
                using var moving = CancellationTokenSource.CreateLinkedTokenSource(ct, setLock.Lost);
                try
                {
                    moved = await MoveChunksAsync(repository, key, plan, entries, table.Count, written, packSize, observer, moving.Token)
                        .ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (setLock.Lost.IsCancellationRequested && !ct.IsCancellationRequested)
                {
                    throw setLock.LostError();
                }
            }
            table.AddRange(written);
            await setLock.EnsureHeldAsync(ct).ConfigureAwait(false);
            var name = await V2Store.StoreIndexAsync(repository, key, set, table, entries, observer, ct).ConfigureAwait(false);
            observer.Verbose(
                $"Stored index file {name} of set '{set}': {entries.Count} chunk(s) in {table.Count} pack(s) ({written.Count} new).");
            foreach (var old in plan.IndexFiles)
            {
                await setLock.EnsureHeldAsync(ct).ConfigureAwait(false);
                await repository.DeleteFileAsync(V2Layout.Index(set), old.Name, ct).ConfigureAwait(false);
                replaced++;
            }
            if (replaced > 0) observer.Verbose($"Deleted the {replaced} older index file(s) of set '{set}'.");
        }
        var keptNames = plan.Kept.Select(p => index.Packs[p].Name).ToHashSet(StringComparer.Ordinal);
        var deleted = 0;
        foreach (var file in plan.PackFiles.Where(f => !keptNames.Contains(f.Name)))
        {
            await setLock.EnsureHeldAsync(ct).ConfigureAwait(false);
            await repository.DeleteFileAsync(V2Layout.Packs(set), file.Name, ct).ConfigureAwait(false);
            deleted++;
        }
        if (deleted > 0) observer.Verbose($"Deleted {deleted} pack(s) of set '{set}' that no index file names any more.");
        var after = (await ListAsync(repository, V2Layout.Packs(set), V2Layout.PackExtension, ct).ConfigureAwait(false)).Sum(f => f.Length)
            + (await ListAsync(repository, V2Layout.Index(set), V2Layout.IndexExtension, ct).ConfigureAwait(false)).Sum(f => f.Length);
        return new RepackResult(set, plan.Rewrite.Count, written.Count, deleted, moved, plan.StoredBytesBefore, after, replaced);
    }

    /// <summary>The chunk entries of the packs kept as they are, renumbered into the new pack table (first in it).</summary>
    private static void AddKeptEntries(SetIndex index, IReadOnlyList<int> kept, IndexEntrySpill entries)
    {
        var renumber = new Dictionary<int, int>();
        for (var i = 0; i < kept.Count; i++) renumber[kept[i]] = i;
        foreach (var (id, location) in index.Chunks)
            if (renumber.TryGetValue(location.Pack, out var pack))
                entries.Add(new IndexEntry(id, pack, location.Offset, location.StoredLength, location.PlainLength));
    }

    /// <summary>
    /// Copies the needed chunks of the packs to rewrite into new packs (pack by pack, each front to back), stores each
    /// new pack as it fills (the next one fills meanwhile, in the second buffer), and adds their entries, numbered from
    /// <paramref name="firstNumber"/>, to <paramref name="entries"/>. Returns how many chunks moved once all are stored.
    /// </summary>
    private static async Task<long> MoveChunksAsync(ISnapshotRepository repository, MasterKey key, RepackPlan plan, IndexEntrySpill entries,
        int firstNumber, List<PackRecord> written, int packSize, IOperationObserver observer, CancellationToken ct)
    {
        var set = plan.Set;
        var index = plan.Index;
        var idKey = V2Keys.ChunkIdKey(key);
        var readBuffers = new ChunkReadBuffers();
        // The largest record a valid index entry can name (the reader refuses larger ones before sealing anything).
        var maxRecord = (int)Math.Min(MaxStoredLength(index, plan.Usage, plan.Rewrite), 4L * SealedRecordReader.MaxRecordPlaintext + 64);
        var bufferSize = PackBuilder.BufferSize(packSize, maxRecord);
        var buffers = new[] { new byte[bufferSize], new byte[bufferSize] };
        var filling = 0;
        PackBuilder? pack = null;
        var storing = Task.CompletedTask;
        long moved = 0;
        var progress = new TransferProgress(observer, $"Optimizing set '{set}'", new[] { plan.BytesToRead });

        async ValueTask CloseAsync()
        {
            var full = pack!;
            pack = null;
            written.Add(full.Describe());
            await storing.ConfigureAwait(false);
            storing = StoreAsync(full);
            filling ^= 1;
        }

        async Task StoreAsync(PackBuilder full)
        {
            using (full)
            {
                var name = V2Layout.PackName(full.PackId);
                await V2Store.StoreAsync(repository, V2Layout.Packs(set), name, full.Bytes, observer, ct).ConfigureAwait(false);
                observer.Verbose($"Stored new pack {name} of set '{set}' ({full.ChunkCount} chunk(s), {full.Length} bytes).");
            }
        }

        try
        {
            foreach (var batch in plan.Rewrite.Chunk(PacksPerPass))
            {
                var reads = NeededChunks(index, plan.Usage, batch);
                foreach (var p in batch)
                {
                    var old = index.Packs[p];
                    await ChunkReader.ReadRecordsAsync(repository, key, idKey, set, old, reads[p], async (read, _, record) =>
                    {
                        pack ??= new PackBuilder(key, packSize, maxRecord, buffer: buffers[filling]);
                        var (offset, stored) = pack.Add(read.Id, record.Span[0], record.Span[1..]);
                        entries.Add(new IndexEntry(read.Id, firstNumber + written.Count, offset, stored, read.Location.PlainLength));
                        moved++;
                        if (pack.IsFull) await CloseAsync().ConfigureAwait(false);
                    }, ct, readBuffers).ConfigureAwait(false);
                    progress.Add(0, old.Length, "repacking");
                    observer.Verbose(
                        $"Copied the {reads[p].Count} chunk(s) still needed out of pack {old.Name} of set '{set}' ({old.Length} bytes, " +
                        $"{plan.UnusedBytes(p) * 100.0 / Math.Max(1, old.Length):0.#}% unused).");
                }
            }
            if (pack is { ChunkCount: > 0 }) await CloseAsync().ConfigureAwait(false);
            await storing.ConfigureAwait(false);
        }
        catch
        {
            try { await storing.ConfigureAwait(false); } catch { /* the first failure is what is reported */ }
            pack?.Dispose();
            throw;
        }
        progress.Complete();
        return moved;
    }

    /// <summary>The longest record of a needed chunk in <paramref name="packs"/> (one pass over the index).</summary>
    private static long MaxStoredLength(SetIndex index, SetUsage usage, IReadOnlyList<int> packs)
    {
        var wanted = packs.ToHashSet();
        long max = 0;
        foreach (var (_, location) in index.Chunks)
            if (location.StoredLength > max && wanted.Contains(location.Pack) && usage.IsNeeded(location)) max = location.StoredLength;
        return max;
    }

    /// <summary>The needed chunks of <paramref name="packs"/>, per pack (one pass over the index).</summary>
    private static Dictionary<int, List<ChunkRead>> NeededChunks(SetIndex index, SetUsage usage, IReadOnlyCollection<int> packs)
    {
        var reads = packs.ToDictionary(p => p, _ => new List<ChunkRead>());
        var none = new List<long>();
        foreach (var (id, location) in index.Chunks)
            if (reads.TryGetValue(location.Pack, out var list) && usage.IsNeeded(location))
                list.Add(new ChunkRead(id, location, none));
        return reads;
    }

    private static async Task<List<StoredFile>> ListAsync(ISnapshotRepository repository, SnapshotLocation folder, string extension,
        CancellationToken ct) =>
        (await repository.ListFilesAsync(folder, ct).ConfigureAwait(false))
            .Where(f => V2Layout.TryParseId(f.Name, extension, out _)).ToList();
}
