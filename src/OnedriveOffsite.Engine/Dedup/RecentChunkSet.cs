namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// The chunks a backup has already stored in this run, so that content repeated inside the file (zero blocks, copies)
/// is stored once. Bounded: two generations of at most <see cref="GenerationSize"/> ids; when the current one is full
/// the older one is dropped. A repeat of a chunk last seen more than a generation ago (≥ 16 GiB of new data at the
/// default 64 KiB average) is stored again: harmless (the index keeps the first location; every read is
/// authenticated), and it keeps memory at a few MiB whatever the file size (docs/DECISIONS.md "v2 memory").
/// </summary>
internal sealed class RecentChunkSet
{
    public const int GenerationSize = 1 << 18;
    private readonly int _generationSize;
    private HashSet<ChunkId> _current = new();
    private HashSet<ChunkId> _previous = new();

    public RecentChunkSet(int generationSize = GenerationSize) => _generationSize = generationSize;

    public bool Contains(ChunkId id) => _current.Contains(id) || _previous.Contains(id);

    public void Add(ChunkId id)
    {
        if (_current.Count >= _generationSize)
        {
            (_previous, _current) = (_current, _previous);
            _current.Clear();
        }
        _current.Add(id);
    }

    public int Count => _current.Count + _previous.Count;
}
