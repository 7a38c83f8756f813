using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Format;

/// <summary>Magic numbers and the version this build reads and writes (docs/FORMAT.md).</summary>
public static class FormatVersion
{
    public const byte Current = 1;
    public static ReadOnlySpan<byte> PartMagic => "OOPT"u8;
    public static ReadOnlySpan<byte> ManifestMagic => "OOMF"u8;

    internal static void Check(byte version, string what)
    {
        if (version != Current)
            throw new OffsiteException(ErrorIds.Snapshots.UnsupportedFormatVersion, OffsiteErrorCategory.InvalidData,
                $"{what} uses backup format version {version}; this version of OnedriveOffsite reads version {Current} only. " +
                "Use a newer OnedriveOffsite to restore it.", what);
    }
}

/// <summary>
/// A part's compression (part header byte 5, the manifest's part <c>codec</c>): whether its records may be
/// zstd-compressed. Each record then says for itself with its <see cref="RecordCompression"/> byte.
/// </summary>
public enum PartCompression : byte
{
    /// <summary>Every record stores the source bytes as they are; the stored size is known before writing.</summary>
    Stored = 0,
    /// <summary>Each record is zstd-compressed, or stored where compression does not shrink it.</summary>
    Zstd = 1,
}
