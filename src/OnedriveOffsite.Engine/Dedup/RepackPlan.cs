using System.Globalization;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// What optimizing one format 2 set would do (docs/FORMAT.md §9.9b), decided under the set's lock from its index and
/// the chunk lists of its remaining snapshots: which packs are rewritten (needed, but more than
/// <see cref="MaxUnusedPercent"/> of their bytes unused), which are kept as they are, and which pack files go (no
/// remaining snapshot needs them, or no index names them). <see cref="PackRepacker.ApplyAsync"/> carries it out.
/// Disposing it removes the set index it loaded (a temporary file).
/// </summary>
public sealed class RepackPlan : IDisposable
{
    internal RepackPlan(string set, double maxUnusedPercent, SetIndex index, SetUsage usage, IReadOnlyList<int> rewrite,
        IReadOnlyList<int> kept,
        IReadOnlyList<StoredFile> packFiles, IReadOnlyList<StoredFile> indexFiles)
    {
        Set = set;
        MaxUnusedPercent = maxUnusedPercent;
        Index = index;
        Usage = usage;
        Rewrite = rewrite;
        Kept = kept;
        PackFiles = packFiles;
        IndexFiles = indexFiles;
        var keptNames = kept.Select(p => index.Packs[p].Name).ToHashSet(StringComparer.Ordinal);
        var rewriteNames = rewrite.Select(p => index.Packs[p].Name).ToHashSet(StringComparer.Ordinal);
        Unneeded = packFiles.Where(f => !keptNames.Contains(f.Name) && !rewriteNames.Contains(f.Name)).ToList();
    }

    public string Set { get; }
    public double MaxUnusedPercent { get; }
    internal SetIndex Index { get; }
    internal SetUsage Usage { get; }

    /// <summary>Pack numbers (into <see cref="Index"/>) whose needed chunks move to new packs.</summary>
    internal IReadOnlyList<int> Rewrite { get; }

    /// <summary>Pack numbers that stay as they are (needed, and at most the threshold unused).</summary>
    internal IReadOnlyList<int> Kept { get; }

    /// <summary>The set's pack and index files when the plan was made (under the lock: nothing else adds any).</summary>
    internal IReadOnlyList<StoredFile> PackFiles { get; }
    internal IReadOnlyList<StoredFile> IndexFiles { get; }

    /// <summary>Pack files no remaining snapshot needs (named by the index or not: e.g. left by an interrupted run).</summary>
    internal IReadOnlyList<StoredFile> Unneeded { get; }

    public int PacksToRewrite => Rewrite.Count;
    public int PacksUnneeded => Unneeded.Count;
    public int PacksKept => Kept.Count;
    public int IndexFileCount => IndexFiles.Count;

    /// <summary>Stored bytes of the packs to rewrite (all of them are read).</summary>
    public long BytesToRead => Rewrite.Sum(p => Index.Packs[p].Length);

    /// <summary>Stored bytes of the chunks that move (what the new packs hold, besides their headers).</summary>
    public long BytesToMove => Rewrite.Sum(p => Usage.StoredUsed(p));

    /// <summary>Bytes of packs kept whole although partly unused (at most the threshold each).</summary>
    public long UnusedBytesKept => Kept.Sum(p => UnusedBytes(p));

    /// <summary>The set's packs and index files, in bytes, when the plan was made.</summary>
    public long StoredBytesBefore => PackFiles.Sum(f => f.Length) + IndexFiles.Sum(f => f.Length);

    /// <summary>About what carrying out the plan frees (the new index file and pack headers aside).</summary>
    public long BytesToFree => BytesToRead - BytesToMove + Unneeded.Sum(f => f.Length);

    /// <summary>
    /// Whether one new index file replaces the set's index files: packs move, the index names packs that are to go, or
    /// the index is spread over several files (each backup adds one; merged, the set's index loads faster).
    /// </summary>
    internal bool ReplacesIndex => Rewrite.Count > 0 || Index.Packs.Count > Kept.Count || IndexFiles.Count > 1;

    public bool HasWork => ReplacesIndex || Unneeded.Count > 0;

    /// <summary>Bytes of a pack no remaining snapshot needs: all but its header and the needed chunks' records.</summary>
    internal long UnusedBytes(int pack) => Math.Max(0, Index.Packs[pack].Length - V2Header.Size - Usage.StoredUsed(pack));

    /// <summary>
    /// One sentence saying what the plan does (for -WhatIf, -Confirm and -Verbose); <paramref name="size"/> formats byte counts.
    /// </summary>
    public string Describe(Func<long, string>? size = null)
    {
        size ??= b => $"{b} bytes";
        var percent = MaxUnusedPercent.ToString("0.##", CultureInfo.InvariantCulture) + "%";
        var parts = new List<string>();
        if (PacksToRewrite > 0)
            parts.Add($"rewrite {PacksToRewrite} pack(s) with more than {percent} unused space (read {size(BytesToRead)}; " +
                $"the {size(BytesToMove)} still needed move to new packs)");
        if (PacksUnneeded > 0) parts.Add($"delete {PacksUnneeded} pack(s) no snapshot needs");
        if (ReplacesIndex) parts.Add($"replace its {IndexFileCount} index file(s) with one");
        parts.Add($"keep {PacksKept} pack(s) as they are ({size(UnusedBytesKept)} unused in them, at most {percent} each)");
        return $"set '{Set}': {string.Join(", ", parts)}; frees about {size(BytesToFree)}";
    }

    public void Dispose() => Index.Dispose();
}
