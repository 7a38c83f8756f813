using System.Collections.Concurrent;
using OnedriveOffsite.Engine.Compression;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// A run of whole chunks cut from the source (one read block, plus the end of the chunk the block before left
/// unfinished), with each chunk's id and, for chunks the set does not hold yet, its encoded payload. Batches are
/// processed in parallel and consumed in file order. A batch is reused (it comes from a <see cref="BoundedPool{T}"/>):
/// its buffers are allocated once, compressed payloads are written one after the other into its compression buffer
/// (each is smaller than its chunk, so they always fit), nothing is allocated per chunk.
/// </summary>
internal sealed class ChunkBatch
{
    /// <param name="headroom">Bytes before the block where the previous block's unfinished chunk is put.</param>
    /// <param name="blockSize">The most bytes the reader puts after the headroom.</param>
    /// <param name="maxChunks">The most chunks a batch can hold.</param>
    public ChunkBatch(int headroom, int blockSize, int maxChunks)
    {
        Headroom = headroom;
        Data = IO.LargeBuffer.Allocate(headroom + blockSize);
        Lengths = new List<int>(maxChunks);
        Ids = new ChunkId[maxChunks];
        Encoded = new (byte, ReadOnlyMemory<byte>)?[maxChunks];
    }

    /// <summary>The block's bytes start here; the chunks start at <see cref="Start"/> (at most Headroom bytes earlier).</summary>
    public int Headroom { get; }
    public int Start { get; private set; }
    public byte[] Data { get; }
    public List<int> Lengths { get; }
    public ChunkId[] Ids { get; }
    /// <summary>Per chunk: null when it is already in the set's index (nothing to store), else its codec and payload.</summary>
    public (byte Codec, ReadOnlyMemory<byte> Payload)?[] Encoded { get; }
    /// <summary>Compressed payloads of this batch, allocated the first time the batch compresses.</summary>
    private byte[]? _compressed;

    public int Count => Lengths.Count;

    /// <summary>Empties the batch for chunks that start at <paramref name="start"/>.</summary>
    public void Clear(int start)
    {
        Lengths.Clear();
        Start = start;
    }

    private static readonly ConcurrentBag<SegmentCompressor> Compressors = new();

    /// <summary>
    /// Computes ids (keyed BLAKE3) and compresses new chunks as the mode says (Auto: a batch whose first new chunk does
    /// not shrink by 3% is stored).
    /// </summary>
    public void Process(byte[] idKey, SetIndex known, CompressionMode mode, bool fileLooksCompressed)
    {
        var n = Lengths.Count;
        if (n > Ids.Length) throw new InvalidOperationException("A batch holds more chunks than it was sized for.");
        Span<byte> hash = stackalloc byte[32];
        var compress = mode == CompressionMode.Zstd || (mode == CompressionMode.Auto && !fileLooksCompressed);
        var probed = mode != CompressionMode.Auto;
        SegmentCompressor? compressor = null;
        using var hasher = Blake3.Hasher.NewKeyed(idKey);
        try
        {
            int at = Start, packed = 0;
            for (var i = 0; i < n; i++)
            {
                var chunk = Data.AsMemory(at, Lengths[i]);
                at += Lengths[i];
                hasher.Reset();
                hasher.Update(chunk.Span);
                hasher.Finalize(hash);
                Ids[i] = ChunkId.Read(hash);
                Encoded[i] = null;
                if (known.Contains(Ids[i])) continue;
                Encoded[i] = (0, chunk);
                if (!compress || chunk.Length == 0) continue;
                if (compressor is null && !Compressors.TryTake(out compressor)) compressor = new SegmentCompressor();
                _compressed ??= IO.LargeBuffer.Allocate(Data.Length);
                // Every payload written before this one is shorter than its chunk, so at least chunk.Length bytes are free.
                var output = _compressed.AsMemory(packed, chunk.Length);
                var written = compressor.TryCompress(chunk.Span, output.Span);
                if (!probed)
                {
                    probed = true;
                    if (written < 0 || written > chunk.Length * (1 - CompressibilityProbe.RequiredSaving)) { compress = false; continue; }
                }
                if (written >= 0)
                {
                    Encoded[i] = (1, output[..written]);
                    packed += written;
                }
            }
        }
        finally
        {
            if (compressor is not null) Compressors.Add(compressor);
        }
    }
}
