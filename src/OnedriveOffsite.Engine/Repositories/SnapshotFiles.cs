using System.Globalization;

namespace OnedriveOffsite.Engine.Repositories;

/// <summary>Names of the files and folders of a snapshot (docs/FORMAT.md "Repository layout").</summary>
public static class SnapshotFiles
{
    public const string ManifestName = "manifest.oom";
    public const string PartExtension = ".oop";
    /// <summary>A lock's file name: it starts with a dot, so no set name (which starts with a letter or digit) can clash.</summary>
    public const string LockName = ".lock";
    // Milliseconds keep snapshots made within one second in creation order when sorted by name.
    private const string TimeFormat = "yyyyMMdd'T'HHmmssfff'Z'";

    public static string PartName(int index) => $"part-{index.ToString("D5", CultureInfo.InvariantCulture)}{PartExtension}";

    /// <summary>A snapshot folder: UTC creation time, then the first 8 hex digits of the snapshot id.</summary>
    public static string SnapshotFolder(DateTime createdUtc, byte[] snapshotId) =>
        createdUtc.ToString(TimeFormat, CultureInfo.InvariantCulture) + "-" + Convert.ToHexString(snapshotId, 0, 4).ToLowerInvariant();

    public static bool TryParseSnapshotFolder(string name, out DateTime createdUtc)
    {
        createdUtc = default;
        var dash = name.IndexOf('-');
        return dash == 19 && name.Length == 28
            && DateTime.TryParseExact(name[..dash], TimeFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out createdUtc);
    }
}
