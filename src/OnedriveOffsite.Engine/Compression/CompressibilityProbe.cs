namespace OnedriveOffsite.Engine.Compression;

/// <summary>
/// Auto mode's decisions. Files that start with the magic number of a compressed or archive format (zstd, gzip, xz,
/// bzip2, zip, 7z, lz4 — e.g. Proxmox vma.zst) are not compressed at all. Otherwise each part samples a few
/// segments spread over its range; if none shrinks by at least <see cref="RequiredSaving"/>, the part is stored,
/// which also makes its stored size known up front.
/// </summary>
public static class CompressibilityProbe
{
    public const double RequiredSaving = 0.03;
    public const int SamplesPerPart = 4;

    private static readonly byte[][] CompressedMagics =
    {
        new byte[] { 0x28, 0xB5, 0x2F, 0xFD },             // zstd
        new byte[] { 0x1F, 0x8B },                         // gzip
        new byte[] { 0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00 }, // xz
        new byte[] { 0x42, 0x5A, 0x68 },                   // bzip2
        new byte[] { 0x50, 0x4B, 0x03, 0x04 },             // zip
        new byte[] { 0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C }, // 7z
        new byte[] { 0x04, 0x22, 0x4D, 0x18 },             // lz4
    };

    public static bool LooksCompressed(ReadOnlySpan<byte> fileStart)
    {
        foreach (var magic in CompressedMagics)
            if (fileStart.StartsWith(magic)) return true;
        return false;
    }

    /// <summary>True when compressing <paramref name="sample"/> saves at least <see cref="RequiredSaving"/>.</summary>
    public static bool Shrinks(SegmentCompressor compressor, ReadOnlySpan<byte> sample, Span<byte> scratch)
    {
        if (sample.IsEmpty) return false;
        var compressed = compressor.TryCompress(sample, scratch);
        return compressed >= 0 && compressed <= sample.Length * (1 - RequiredSaving);
    }
}
