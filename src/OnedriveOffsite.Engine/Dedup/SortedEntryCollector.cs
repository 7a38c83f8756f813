namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// Collects chunk entries in any order (from index files, a backup's new entries) and gives them back sorted by id,
/// each id once with the first location added, in bounded memory: up to <see cref="MemoryEntries"/> entries are kept
/// in memory; beyond that all go to 256 owner-only temporary bucket files by the first byte of the id, and each
/// bucket is sorted in memory when read back (a bucket still too large is split again by the next byte). Ids are keyed
/// hashes, so buckets are even. The pack table is kept in memory (one pack per ~256 chunks).
/// </summary>
internal sealed class SortedEntryCollector : IIndexFileSink, IDisposable
{
    public const int DefaultMemoryEntries = 1 << 18;
    private const int Buckets = 256;
    private readonly PackTable _packs;
    private readonly int _memoryEntries;
    private List<Entry> _memory = new();
    private EntryFile[]? _buckets;
    private Entry[]? _sortBuffer;

    /// <param name="packs">The pack table to start from (a merge keeps the numbers of an existing index).</param>
    public SortedEntryCollector(IEnumerable<PackRecord>? packs = null, int memoryEntries = DefaultMemoryEntries)
    {
        _packs = new PackTable(packs);
        _memoryEntries = Math.Max(16, memoryEntries);
    }

    public int MemoryEntries => _memoryEntries;
    public IReadOnlyList<PackRecord> Packs => _packs.Packs;

    /// <summary>Entries added (ids added twice counted twice).</summary>
    public long Count { get; private set; }

    /// <summary>True once the entries did not fit in memory and went to bucket files.</summary>
    public bool Spilled => _buckets is not null;

    public int AddPack(PackRecord pack, Func<string, Exception> conflict) => _packs.Add(pack, conflict);

    public void AddChunk(ChunkId id, ChunkLocation location)
    {
        Count++;
        if (_buckets is null)
        {
            _memory.Add(new Entry(id, location, 0));
            if (_memory.Count < _memoryEntries) return;
            _buckets = Enumerable.Range(0, Buckets).Select(_ => new EntryFile()).ToArray();
            foreach (var e in _memory) _buckets[(int)(e.Id.A >> 56)].Add(e.Id, e.Location);
            _memory = new List<Entry>(0);
            return;
        }
        _buckets[(int)(id.A >> 56)].Add(id, location);
    }

    /// <summary>All entries sorted by id, each id once (the first added wins). Read once.</summary>
    public IEnumerable<KeyValuePair<ChunkId, ChunkLocation>> Sorted()
    {
        if (_buckets is null)
        {
            var all = _memory;
            _memory = new List<Entry>();
            foreach (var e in SortUnique(all)) yield return e;
            yield break;
        }
        foreach (var bucket in _buckets)
            foreach (var e in Drain(bucket, depth: 1))
                yield return e;
    }

    /// <summary>Older entries win over newer ones with the same id; both inputs sorted by id, each id once.</summary>
    public static IEnumerable<KeyValuePair<ChunkId, ChunkLocation>> Merge(IEnumerable<KeyValuePair<ChunkId, ChunkLocation>> older,
        IEnumerable<KeyValuePair<ChunkId, ChunkLocation>> newer)
    {
        using var a = older.GetEnumerator();
        using var b = newer.GetEnumerator();
        bool hasA = a.MoveNext(), hasB = b.MoveNext();
        while (hasA || hasB)
        {
            var c = !hasA ? 1 : !hasB ? -1 : ChunkIndexFile.Compare(a.Current.Key, b.Current.Key);
            if (c <= 0)
            {
                yield return a.Current;
                if (c == 0) hasB = b.MoveNext();
                hasA = a.MoveNext();
            }
            else
            {
                yield return b.Current;
                hasB = b.MoveNext();
            }
        }
    }

    private IEnumerable<KeyValuePair<ChunkId, ChunkLocation>> Drain(EntryFile file, int depth)
    {
        using (file)
        {
            if (file.Count <= _memoryEntries || depth >= 8)
            {
                // One buffer for every bucket (not a new array per bucket: large arrays are only freed by full collections).
                if (_sortBuffer is null || _sortBuffer.Length < file.Count) _sortBuffer = new Entry[Math.Max(file.Count, _memoryEntries)];
                var n = 0;
                foreach (var e in file.ReadAll())
                {
                    _sortBuffer[n] = e with { Order = n };
                    n++;
                }
                Array.Sort(_sortBuffer, 0, n, EntryOrder.Instance);
                for (var i = 0; i < n; i++)
                    if (i == 0 || _sortBuffer[i].Id != _sortBuffer[i - 1].Id)
                        yield return new(_sortBuffer[i].Id, _sortBuffer[i].Location);
                yield break;
            }
            // Too large for memory (or every id shares its first bytes): split by the next byte of the id, in order.
            var shift = 56 - 8 * depth;
            var parts = Enumerable.Range(0, Buckets).Select(_ => new EntryFile()).ToArray();
            foreach (var e in file.ReadAll()) parts[(int)((e.Id.A >> shift) & 0xFF)].Add(e.Id, e.Location);
            foreach (var part in parts)
                foreach (var e in Drain(part, depth + 1))
                    yield return e;
        }
    }

    private static IEnumerable<KeyValuePair<ChunkId, ChunkLocation>> SortUnique(List<Entry> entries)
    {
        for (var i = 0; i < entries.Count; i++) entries[i] = entries[i] with { Order = i };
        entries.Sort(EntryOrder.Instance);
        for (var i = 0; i < entries.Count; i++)
            if (i == 0 || entries[i].Id != entries[i - 1].Id)
                yield return new(entries[i].Id, entries[i].Location);
    }

    /// <summary>By id, then by the order added (so the first location of an id comes first).</summary>
    private sealed class EntryOrder : IComparer<Entry>
    {
        public static readonly EntryOrder Instance = new();

        public int Compare(Entry x, Entry y)
        {
            var c = ChunkIndexFile.Compare(x.Id, y.Id);
            return c != 0 ? c : x.Order.CompareTo(y.Order);
        }
    }

    public void Dispose()
    {
        foreach (var b in _buckets ?? Array.Empty<EntryFile>()) b.Dispose();
    }

    private readonly record struct Entry(ChunkId Id, ChunkLocation Location, int Order);

    /// <summary>Entries appended to an owner-only temporary file (gone from the directory at once on Unix), read back in order.</summary>
    private sealed class EntryFile : IDisposable
    {
        private readonly FileStream _file;

        public EntryFile() => _file = IO.OwnerOnlyFile.OpenScratch(".oo-sort-", 1 << 14);

        public long Count { get; private set; }

        public void Add(ChunkId id, ChunkLocation location)
        {
            Span<byte> b = stackalloc byte[IndexFileCodec.ChunkEntrySize];
            IndexFileCodec.Encode(new IndexEntry(id, location.Pack, location.Offset, location.StoredLength, location.PlainLength), b);
            _file.Write(b);
            Count++;
        }

        public IEnumerable<Entry> ReadAll()
        {
            _file.Flush();
            _file.Position = 0;
            var buffer = new byte[IndexFileCodec.ChunkEntrySize * 1024];
            for (var left = Count; left > 0;)
            {
                var n = (int)Math.Min(1024, left);
                _file.ReadExactly(buffer, 0, n * IndexFileCodec.ChunkEntrySize);
                for (var i = 0; i < n; i++) yield return Decode(buffer, i * IndexFileCodec.ChunkEntrySize);
                left -= n;
            }
        }

        private static Entry Decode(byte[] buffer, int offset)
        {
            var e = IndexFileCodec.Decode(buffer.AsSpan(offset, IndexFileCodec.ChunkEntrySize));
            return new Entry(e.Id, new ChunkLocation(e.Pack, e.Offset, e.StoredLength, e.PlainLength), 0);
        }

        public void Dispose() => _file.Dispose();
    }
}
