using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// Which chunks of a set's index the remaining (complete, format 2) snapshots need (docs/FORMAT.md §9.9a step 1),
/// per pack: the plain and stored bytes they use, against all the pack's indexed chunks. Used by pruning
/// (<see cref="PackPruner"/>) and repacking (<see cref="PackRepacker"/>). Every remaining snapshot's chunk list is read
/// page by page; the chunks seen are marked in one bit per indexed chunk (found by its offset in its pack), so memory
/// stays a small fraction of the index's own. A manifest or chunk list that cannot be read, or a chunk no index
/// records, throws PruneUnsafe: its data might be needed, so nothing may be deleted.
/// </summary>
public sealed class SetUsage
{
    private readonly uint[][] _offsets;
    private readonly System.Collections.BitArray[] _seen;
    private readonly long[] _plainUsed;
    private readonly long[] _plainIndexed;
    private readonly long[] _storedUsed;

    private SetUsage(uint[][] offsets)
    {
        _offsets = offsets;
        _seen = offsets.Select(a => new System.Collections.BitArray(a.Length)).ToArray();
        _plainUsed = new long[offsets.Length];
        _plainIndexed = new long[offsets.Length];
        _storedUsed = new long[offsets.Length];
    }

    /// <summary>A pack (number into the index's pack table) holds at least one needed chunk.</summary>
    public bool PackNeeded(int pack) => _storedUsed[pack] > 0;

    /// <summary>Plain bytes of the pack's chunks that remaining snapshots use (each chunk counted once).</summary>
    public long PlainUsed(int pack) => _plainUsed[pack];

    /// <summary>Plain bytes of all the chunks the index records in the pack.</summary>
    public long PlainIndexed(int pack) => _plainIndexed[pack];

    /// <summary>Stored bytes (records with their length prefix) of the pack's chunks that remaining snapshots use.</summary>
    public long StoredUsed(int pack) => _storedUsed[pack];

    /// <summary>Whether the chunk the index records at <paramref name="location"/> is needed.</summary>
    public bool IsNeeded(ChunkLocation location)
    {
        var at = Array.BinarySearch(_offsets[location.Pack], location.Offset);
        return at >= 0 && _seen[location.Pack][at];
    }

    public static async Task<SetUsage> ReadAsync(ISnapshotRepository repository, MasterKey key, string set, SetIndex index,
        CancellationToken ct)
    {
        var offsetLists = Enumerable.Range(0, index.Packs.Count).Select(_ => new List<uint>()).ToArray();
        var indexed = new long[index.Packs.Count];
        foreach (var (_, location) in index.Chunks)
        {
            indexed[location.Pack] += location.PlainLength;
            offsetLists[location.Pack].Add(location.Offset);
        }
        var usage = new SetUsage(offsetLists.Select(l => { var a = l.ToArray(); Array.Sort(a); return a; }).ToArray());
        offsetLists = null;
        indexed.CopyTo(usage._plainIndexed, 0);
        foreach (var folder in await repository.ListSnapshotsAsync(set, ct).ConfigureAwait(false))
        {
            var bytes = await repository.ReadManifestAsync(folder.Location, ct).ConfigureAwait(false);
            // An incomplete snapshot (no run holds it: we hold the lock), or format 1.
            if (bytes is null || !V2ManifestCodec.IsV2(bytes)) continue;
            var what = $"snapshot {set}/{folder.Location.Snapshot}";
            var manifest = Unreadable(what, () => V2ManifestCodec.Decode(bytes, key, folder.Location));
            await using var stream = await repository.OpenReadAsync(folder.Location, manifest.ChunkList.File, ct).ConfigureAwait(false);
            await foreach (var chunk in ChunkListReader.ReadAsync(stream, key, manifest, what, ct).ConfigureAwait(false))
            {
                if (!index.TryGet(chunk.Id, out var location))
                    throw new OffsiteException(ErrorIds.Snapshots.PruneUnsafe, OffsiteErrorCategory.InvalidData,
                        $"{what} needs a chunk that no index file of set '{set}' records; nothing of the set's data was deleted. " +
                        "Run Test-OffsiteBackup on it.", folder.Location.Snapshot);
                var at = Array.BinarySearch(usage._offsets[location.Pack], location.Offset);
                if (usage._seen[location.Pack][at]) continue;
                usage._seen[location.Pack][at] = true;
                usage._plainUsed[location.Pack] += location.PlainLength;
                usage._storedUsed[location.Pack] += location.StoredLength;
            }
        }
        return usage;
    }

    private static V2Manifest Unreadable(string what, Func<V2Manifest> decode)
    {
        try { return decode(); }
        catch (OffsiteException e)
        {
            throw new OffsiteException(ErrorIds.Snapshots.PruneUnsafe, OffsiteErrorCategory.InvalidData,
                $"The manifest of {what} cannot be read ({e.ErrorId}: {e.Message}), so the data it needs is unknown; " +
                "nothing of the set's data was deleted.",
                what);
        }
    }
}
