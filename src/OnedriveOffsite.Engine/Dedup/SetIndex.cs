namespace OnedriveOffsite.Engine.Dedup;

/// <summary>A pack as an index file records it: its id, the salt of its header, its stored size and BLAKE3 hash.</summary>
public sealed record PackRecord(byte[] PackId, byte[] Salt, long Length, byte[] Blake3)
{
    public string Name => V2Layout.PackName(PackId);
}

/// <summary>Where a chunk is stored: which pack (a number into <see cref="SetIndex.Packs"/>), at which offset, how long.</summary>
public readonly record struct ChunkLocation(int Pack, uint Offset, uint StoredLength, uint PlainLength);

/// <summary>
/// A set's index in memory: chunk id → location, built from the set's index files (docs/FORMAT.md §9.6). Memory is
/// about 80 bytes per distinct chunk of the set (see docs/DECISIONS.md "Index memory").
/// </summary>
public sealed class SetIndex
{
    private readonly Dictionary<ChunkId, ChunkLocation> _chunks = new();
    private readonly Dictionary<string, int> _packNumbers = new(StringComparer.Ordinal);
    private readonly List<PackRecord> _packs = new();

    public IReadOnlyList<PackRecord> Packs => _packs;
    public int ChunkCount => _chunks.Count;
    public IEnumerable<KeyValuePair<ChunkId, ChunkLocation>> Chunks => _chunks;

    /// <summary>Adds a pack (once; a pack named again must carry the same salt, length and hash).</summary>
    public int AddPack(PackRecord pack, Func<string, Exception> conflict)
    {
        if (_packNumbers.TryGetValue(pack.Name, out var n))
        {
            var known = _packs[n];
            if (!known.Salt.AsSpan().SequenceEqual(pack.Salt) || known.Length != pack.Length || !known.Blake3.AsSpan().SequenceEqual(pack.Blake3))
                throw conflict($"two index files describe pack {pack.Name} differently");
            return n;
        }
        _packs.Add(pack);
        _packNumbers[pack.Name] = _packs.Count - 1;
        return _packs.Count - 1;
    }

    /// <summary>Records a chunk; the first location seen wins (duplicates are harmless: every read is authenticated).</summary>
    public void AddChunk(ChunkId id, ChunkLocation location) => _chunks.TryAdd(id, location);

    public bool TryGet(ChunkId id, out ChunkLocation location) => _chunks.TryGetValue(id, out location);

    public bool Contains(ChunkId id) => _chunks.ContainsKey(id);
}
