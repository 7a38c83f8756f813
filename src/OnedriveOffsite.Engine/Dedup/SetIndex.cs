namespace OnedriveOffsite.Engine.Dedup;

/// <summary>A pack as an index file records it: its id, the salt of its header, its stored size and BLAKE3 hash.</summary>
public sealed record PackRecord(byte[] PackId, byte[] Salt, long Length, byte[] Blake3)
{
    public string Name => V2Layout.PackName(PackId);
}

/// <summary>Where a chunk is stored: which pack (a number into <see cref="SetIndex.Packs"/>), at which offset, how long.</summary>
public readonly record struct ChunkLocation(int Pack, uint Offset, uint StoredLength, uint PlainLength);

/// <summary>
/// A set's index: chunk id → location, the union of the set's index files (docs/FORMAT.md §9.6). Two forms: built in
/// memory with <see cref="AddPack"/>/<see cref="AddChunk"/> (small indexes, tests: ~80 bytes per chunk), or read-only
/// over a sorted index file on disk (<see cref="ChunkIndexFile"/>, what <see cref="V2Store.LoadIndexAsync"/> returns:
/// ~1.4 bytes per chunk in memory, docs/FORMAT.md §9.12 and docs/DECISIONS.md "Index memory"). Lookups are safe from
/// several threads at once in both forms as long as nothing is added meanwhile.
/// </summary>
public sealed class SetIndex : IIndexFileSink, IDisposable
{
    private readonly Dictionary<ChunkId, ChunkLocation> _chunks = new();
    private readonly PackTable _packs = new();
    private readonly ChunkIndexFile? _file;

    public SetIndex() { }

    /// <param name="file">The index on disk; disposed with this index.</param>
    /// <param name="fromCache">True when its entries were read from a local cache file rather than from the repository in this run.</param>
    internal SetIndex(ChunkIndexFile file, bool fromCache)
    {
        _file = file;
        FromCache = fromCache;
    }

    public IReadOnlyList<PackRecord> Packs => _file?.Packs ?? _packs.Packs;
    public int ChunkCount => _file is null ? _chunks.Count : checked((int)_file.ChunkCount);
    public IEnumerable<KeyValuePair<ChunkId, ChunkLocation>> Chunks => _file?.Entries() ?? _chunks;

    /// <summary>
    /// True when some of the entries came from the local index cache as it was before this run (not read from the
    /// repository's index files now): a read that fails with this index is tried once more with an index rebuilt from
    /// the repository before the repository is blamed (docs/FORMAT.md §9.12).
    /// </summary>
    public bool FromCache { get; }

    /// <summary>The index on disk behind this index (null for one built in memory).</summary>
    internal ChunkIndexFile? File => _file;

    /// <summary>Adds a pack (once; a pack named again must carry the same salt, length and hash).</summary>
    public int AddPack(PackRecord pack, Func<string, Exception> conflict) => _packs.Add(pack, ReadOnlyGuard(conflict));

    /// <summary>Records a chunk; the first location seen wins (duplicates are harmless: every read is authenticated).</summary>
    public void AddChunk(ChunkId id, ChunkLocation location)
    {
        ReadOnlyGuard(0);
        _chunks.TryAdd(id, location);
    }

    public bool TryGet(ChunkId id, out ChunkLocation location) =>
        _file is null ? _chunks.TryGetValue(id, out location) : _file.TryGet(id, out location);

    public bool Contains(ChunkId id) => _file is null ? _chunks.ContainsKey(id) : _file.TryGet(id, out _);

    public void Dispose() => _file?.Dispose();

    private T ReadOnlyGuard<T>(T value)
    {
        if (_file is not null) throw new InvalidOperationException("A set index read from disk is read-only.");
        return value;
    }
}
