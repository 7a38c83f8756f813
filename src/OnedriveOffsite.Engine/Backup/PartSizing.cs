using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Backup;

/// <summary>
/// The part size of a file backup when -PartSize was not given: an interrupted run's (so that a rerun continues it
/// whatever the default was then), else the repository's preference (what one interrupted upload may cost: OneDrive
/// cannot continue a part's upload in another process, so a killed run sends its in-flight parts again), else
/// <see cref="BackupRequest.DefaultPartSize"/>; never so small that the file needs more parts than a manifest holds.
/// </summary>
internal static class PartSizing
{
    public static long Choose(long? asked, long sourceLength, JournalState? interrupted, ISnapshotRepository repository)
    {
        if (asked is { } size) return size;
        if (interrupted is not null) return interrupted.PartSize;
        var preferred = repository.PreferredPartSize ?? BackupRequest.DefaultPartSize;
        var fewest = (sourceLength + ManifestCodec.MaxParts - 1) / ManifestCodec.MaxParts;
        return Math.Clamp(Math.Max(preferred, fewest), BackupRequest.MinPartSize, BackupRequest.MaxPartSize);
    }
}
