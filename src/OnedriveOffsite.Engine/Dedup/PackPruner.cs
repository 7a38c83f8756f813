using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Locking;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>What pruning a set's packs did (<see cref="PackPruner"/>).</summary>
public sealed record PruneResult(int PacksDeleted, long BytesFreed, int PacksKept, int PartlyUsedPacks, long UnusedBytesInKeptPacks,
    int IndexFilesReplaced)
{
    public bool ChangedAnything => PacksDeleted > 0 || IndexFilesReplaced > 0;
}

/// <summary>
/// Frees the space of format v2 data no remaining snapshot of a set needs, after Remove-OffsiteBackup deleted
/// snapshots, under the set's lock (so no backup of the set runs meanwhile, on any host). Every remaining snapshot's
/// chunk list is read (a manifest or chunk list that cannot be read stops the pruning before anything is deleted:
/// its data might be needed). A pack is kept when one of those chunks lives in it. The removal keeps one invariant
/// at every step, so that a run killed anywhere leaves a consistent set: <b>every index entry names a pack that
/// exists</b>. Hence the order: (1) a new index file describing only the kept packs is stored, (2) the old index
/// files are deleted, (3) the packs no index names any more are deleted. A pack no index names (left by an
/// interrupted backup, or by a pruning killed in step 3) is deleted by the next pruning. Packs that are only
/// partly used are kept whole and reported (rewriting them is a separate, explicit step: <see cref="PackRepacker"/>).
/// </summary>
public static class PackPruner
{
    /// <summary>Null when the set holds no format v2 data; otherwise what was done.</summary>
    public static async Task<PruneResult?> PruneAsync(ISnapshotRepository repository, MasterKey key, string set, RepositoryLock setLock,
        IOperationObserver observer, CancellationToken ct)
    {
        var packFiles = (await repository.ListFilesAsync(V2Layout.Packs(set), ct).ConfigureAwait(false))
            .Where(f => V2Layout.TryParseId(f.Name, V2Layout.PackExtension, out _)).ToList();
        var indexFiles = (await repository.ListFilesAsync(V2Layout.Index(set), ct).ConfigureAwait(false))
            .Where(f => V2Layout.TryParseId(f.Name, V2Layout.IndexExtension, out _)).ToList();
        if (packFiles.Count == 0 && indexFiles.Count == 0) return null;

        using var index = await V2Store.LoadIndexAsync(repository, key, set, ct).ConfigureAwait(false);
        var usage = await SetUsage.ReadAsync(repository, key, set, index, ct).ConfigureAwait(false);
        var kept = Enumerable.Range(0, index.Packs.Count).Where(usage.PackNeeded).ToList();
        var keptNames = kept.Select(p => index.Packs[p].Name).ToHashSet(StringComparer.Ordinal);
        var doomed = packFiles.Where(f => !keptNames.Contains(f.Name)).ToList();
        var indexNamesDoomed = index.Packs.Count > kept.Count;
        var partly = kept.Count(p => usage.PlainUsed(p) < usage.PlainIndexed(p));
        var unused = kept.Sum(p =>
            index.Packs[p].Length * (usage.PlainIndexed(p) - usage.PlainUsed(p)) / Math.Max(1, usage.PlainIndexed(p)));

        var replaced = 0;
        if (indexNamesDoomed)
        {
            await setLock.EnsureHeldAsync(ct).ConfigureAwait(false);
            using var entries = Entries(index, kept);
            var keptPacks = kept.Select(p => index.Packs[p]).ToList();
            var newName = await V2Store.StoreIndexAsync(repository, key, set, keptPacks, entries, observer, ct).ConfigureAwait(false);
            observer.Verbose($"Stored index file {newName} of set '{set}' describing the {kept.Count} pack(s) still needed.");
            foreach (var old in indexFiles)
            {
                await setLock.EnsureHeldAsync(ct).ConfigureAwait(false);
                await repository.DeleteFileAsync(V2Layout.Index(set), old.Name, ct).ConfigureAwait(false);
                replaced++;
            }
        }
        long freed = 0;
        foreach (var pack in doomed)
        {
            await setLock.EnsureHeldAsync(ct).ConfigureAwait(false);
            await repository.DeleteFileAsync(V2Layout.Packs(set), pack.Name, ct).ConfigureAwait(false);
            freed += pack.Length;
        }
        return new PruneResult(doomed.Count, freed, kept.Count, partly, unused, replaced);
    }

    /// <summary>The chunk entries of the kept packs, renumbered into the new pack table (spilled to disk, not held in memory).</summary>
    private static IndexEntrySpill Entries(SetIndex index, IReadOnlyList<int> kept)
    {
        var renumber = new Dictionary<int, int>();
        for (var i = 0; i < kept.Count; i++) renumber[kept[i]] = i;
        var entries = new IndexEntrySpill();
        foreach (var (id, location) in index.Chunks)
            if (renumber.TryGetValue(location.Pack, out var pack))
                entries.Add(new IndexEntry(id, pack, location.Offset, location.StoredLength, location.PlainLength));
        return entries;
    }
}
