using System.Collections.Concurrent;
using OnedriveOffsite.Engine.Compression;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// A run of whole chunks cut from the source (a few MiB), with each chunk's id and, for chunks the set does not hold
/// yet, its encoded payload. Batches are processed in parallel and consumed in file order.
/// </summary>
internal sealed class ChunkBatch
{
    public required byte[] Data { get; init; }
    public required List<int> Lengths { get; init; }
    public ChunkId[] Ids { get; private set; } = Array.Empty<ChunkId>();
    /// <summary>Per chunk: null when it is already in the set's index (nothing to store), else its codec and payload.</summary>
    public (byte Codec, ReadOnlyMemory<byte> Payload)?[] Encoded { get; private set; } = Array.Empty<(byte, ReadOnlyMemory<byte>)?>();

    private static readonly ConcurrentBag<SegmentCompressor> Compressors = new();

    /// <summary>Computes ids (keyed BLAKE3) and compresses new chunks as the mode says (Auto: a batch whose first new chunk does not shrink by 3% is stored).</summary>
    public void Process(byte[] idKey, SetIndex known, CompressionMode mode, bool fileLooksCompressed)
    {
        var n = Lengths.Count;
        Ids = new ChunkId[n];
        Encoded = new (byte, ReadOnlyMemory<byte>)?[n];
        Span<byte> hash = stackalloc byte[32];
        var compress = mode == CompressionMode.Zstd || (mode == CompressionMode.Auto && !fileLooksCompressed);
        var probed = mode != CompressionMode.Auto;
        if (!Compressors.TryTake(out var compressor)) compressor = new SegmentCompressor();
        try
        {
            var at = 0;
            for (var i = 0; i < n; i++)
            {
                var chunk = Data.AsMemory(at, Lengths[i]);
                at += Lengths[i];
                using (var hasher = Blake3.Hasher.NewKeyed(idKey))
                {
                    hasher.Update(chunk.Span);
                    hasher.Finalize(hash);
                }
                Ids[i] = ChunkId.Read(hash);
                if (known.Contains(Ids[i])) continue;
                Encoded[i] = (0, chunk);
                if (!compress || chunk.Length == 0) continue;
                var output = new byte[chunk.Length];
                var written = compressor.TryCompress(chunk.Span, output);
                if (!probed)
                {
                    probed = true;
                    if (written < 0 || written > chunk.Length * (1 - CompressibilityProbe.RequiredSaving)) { compress = false; continue; }
                }
                if (written >= 0) Encoded[i] = (1, output.AsMemory(0, written));
            }
        }
        finally
        {
            Compressors.Add(compressor);
        }
    }
}
