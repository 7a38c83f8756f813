using System.Globalization;
using OnedriveOffsite.Engine.Format;

namespace OnedriveOffsite.Engine.Compression;

/// <summary>
/// What compression did to a snapshot, for people (the Compression property): "Zstd (60%)" when zstd was used
/// for at least one part (the percentage is the stored size as a share of the source size), "Stored" when nothing
/// was compressed. The mode that was asked for (Auto, Zstd, None) is recorded separately.
/// </summary>
public static class CompressionSummary
{
    public const string Stored = "Stored";
    /// <summary>Format 2 snapshot that added no new data (every chunk was already in the set).</summary>
    public const string NothingNew = "Nothing new";

    /// <summary>Format 1: from the codec each part was stored with.</summary>
    public static string Describe(IReadOnlyCollection<SnapshotManifest.PartEntry> parts, long sourceLength) =>
        parts.Any(p => p.Codec == PartCodec.Zstd) && sourceLength > 0
            ? Zstd(parts.Sum(p => p.StoredLength), sourceLength)
            : Stored;

    /// <summary>Format 2: from what the snapshot added (chunks are compressed one by one where it helps).</summary>
    public static string DescribeAdded(string requestedMode, long addedPlainBytes, long addedStoredBytes)
    {
        if (addedPlainBytes <= 0) return NothingNew;
        if (string.Equals(requestedMode, nameof(CompressionMode.None), StringComparison.OrdinalIgnoreCase) || addedStoredBytes >= addedPlainBytes)
            return Stored;
        return Zstd(addedStoredBytes, addedPlainBytes);
    }

    private static string Zstd(long stored, long source)
    {
        var percent = 100.0 * stored / source;
        var text = percent < 1 ? "<1" : Math.Round(percent).ToString(CultureInfo.InvariantCulture);
        return $"Zstd ({text}%)";
    }
}
