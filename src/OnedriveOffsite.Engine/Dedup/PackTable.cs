namespace OnedriveOffsite.Engine.Dedup;

/// <summary>A set's packs, numbered in the order they were first seen; a pack named again must be described the same way.</summary>
internal sealed class PackTable
{
    private readonly Dictionary<string, int> _numbers = new(StringComparer.Ordinal);
    private readonly List<PackRecord> _packs = new();

    public PackTable(IEnumerable<PackRecord>? initial = null)
    {
        foreach (var pack in initial ?? Array.Empty<PackRecord>()) Add(pack, why => new InvalidDataException(why));
    }

    public IReadOnlyList<PackRecord> Packs => _packs;

    public int Add(PackRecord pack, Func<string, Exception> conflict)
    {
        if (_numbers.TryGetValue(pack.Name, out var n))
        {
            var known = _packs[n];
            if (!known.Salt.AsSpan().SequenceEqual(pack.Salt) || known.Length != pack.Length
                || !known.Blake3.AsSpan().SequenceEqual(pack.Blake3))
                throw conflict($"two index files describe pack {pack.Name} differently");
            return n;
        }
        _packs.Add(pack);
        _numbers[pack.Name] = _packs.Count - 1;
        return _packs.Count - 1;
    }
}
