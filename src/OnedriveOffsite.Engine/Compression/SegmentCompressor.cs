using ZstdSharp;

namespace OnedriveOffsite.Engine.Compression;

/// <summary>
/// Compresses one segment with zstd (ZstdSharp.Port, level 3 = the zstd CLI default), keeping the result only when
/// it is smaller than the input; otherwise the caller stores the segment as it is. Not thread-safe: one per worker.
/// </summary>
public sealed class SegmentCompressor : IDisposable
{
    public const int DefaultLevel = 3;
    private readonly Compressor _compressor;

    public SegmentCompressor(int level = DefaultLevel) => _compressor = new Compressor(level);

    /// <summary>
    /// Tries to compress <paramref name="input"/> into <paramref name="output"/> (which must hold at least
    /// input.Length bytes); returns the compressed length, or -1 when it would not shrink.
    /// </summary>
    public int TryCompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (input.IsEmpty) return -1;
        // A destination one byte shorter than the input: zstd gives up as soon as the result cannot be smaller.
        return _compressor.TryWrap(input, output[..(input.Length - 1)], out var written) ? written : -1;
    }

    public void Dispose() => _compressor.Dispose();
}
