using Microsoft.Win32.SafeHandles;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Format;

namespace OnedriveOffsite.Engine.Backup;

/// <summary>Picks each part's codec from the requested mode (see <see cref="CompressibilityProbe"/>).</summary>
internal static class CodecChooser
{
    public static bool FileLooksCompressed(SafeFileHandle source)
    {
        Span<byte> start = stackalloc byte[8];
        var read = RandomAccess.Read(source, start, 0);
        return CompressibilityProbe.LooksCompressed(start[..read]);
    }

    public static PartCompression Choose(CompressionMode mode, bool fileLooksCompressed, SafeFileHandle source, PartPlan part,
        int segmentSize, SegmentCompressor compressor)
    {
        switch (mode)
        {
            case CompressionMode.None: return PartCompression.Stored;
            case CompressionMode.Zstd: return PartCompression.Zstd;
        }
        if (fileLooksCompressed || part.Length == 0) return PartCompression.Stored;
        var sample = new byte[Math.Min(segmentSize, part.Length)];
        var scratch = new byte[sample.Length];
        var samples = (int)Math.Min(CompressibilityProbe.SamplesPerPart, Math.Max(1, part.Length / sample.Length));
        for (var i = 0; i < samples; i++)
        {
            var offset = part.Offset + (part.Length - sample.Length) * i / Math.Max(1, samples - 1);
            var read = RandomAccess.Read(source, sample, offset);
            if (CompressibilityProbe.Shrinks(compressor, sample.AsSpan(0, read), scratch)) return PartCompression.Zstd;
        }
        return PartCompression.Stored;
    }
}
