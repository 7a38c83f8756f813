namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// A Bloom filter over chunk ids, so that a lookup of a chunk the set does not hold rarely reads the index on disk:
/// 10 bits and 7 probes per chunk (~1% false positives), capped at <see cref="MaxBits"/> (more chunks than ~27 million
/// only raise the false-positive rate). Chunk ids are keyed BLAKE3 hashes, uniformly random, so the probe positions
/// are taken from the id itself (double hashing on two of its words); no hashing is needed. Written by hand: the .NET
/// base library has no Bloom filter and this is 30 lines.
/// </summary>
internal sealed class ChunkBloomFilter
{
    public const int BitsPerChunk = 10;
    public const int Probes = 7;
    public const long MaxBits = 256L << 20; // 32 MiB

    private readonly ulong[] _words;

    public ChunkBloomFilter(ulong[] words)
    {
        if (words.Length == 0) throw new ArgumentException("A Bloom filter needs at least one word.", nameof(words));
        _words = words;
    }

    /// <summary>An empty filter sized for <paramref name="chunks"/> chunks.</summary>
    public static ChunkBloomFilter For(long chunks) => new(new ulong[WordsFor(chunks)]);

    public static long WordsFor(long chunks) => Math.Max(1, (Math.Min(MaxBits, Math.Max(0, chunks) * BitsPerChunk) + 63) / 64);

    public ulong[] Words => _words;

    public void Add(ChunkId id)
    {
        var bits = (ulong)_words.Length * 64;
        ulong h = id.B, step = id.C | 1;
        for (var i = 0; i < Probes; i++, h += step)
        {
            var bit = h % bits;
            _words[bit >> 6] |= 1UL << (int)(bit & 63);
        }
    }

    public bool MayContain(ChunkId id)
    {
        var bits = (ulong)_words.Length * 64;
        ulong h = id.B, step = id.C | 1;
        for (var i = 0; i < Probes; i++, h += step)
        {
            var bit = h % bits;
            if ((_words[bit >> 6] & (1UL << (int)(bit & 63))) == 0) return false;
        }
        return true;
    }
}
