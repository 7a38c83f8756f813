using ZstdSharp;

namespace OnedriveOffsite.Engine.Compression;

/// <summary>Decompresses one zstd record; false when the frame is invalid or does not have the expected size.</summary>
public sealed class SegmentDecompressor : IDisposable
{
    private readonly Decompressor _decompressor = new();

    public bool TryDecompress(ReadOnlySpan<byte> input, Span<byte> output, int expectedLength)
    {
        try
        {
            return _decompressor.TryUnwrap(input, output[..expectedLength], out var written) && written == expectedLength;
        }
        catch (ZstdException)
        {
            return false;
        }
    }

    public void Dispose() => _decompressor.Dispose();
}
