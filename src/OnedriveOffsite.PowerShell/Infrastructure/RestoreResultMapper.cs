using OnedriveOffsite.Engine.Legacy;
using OnedriveOffsite.Engine.Restore;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Infrastructure;

/// <summary>Engine restore results → the object Restore-OffsiteBackup returns.</summary>
internal static class RestoreResultMapper
{
    /// <param name="isFile">False for -ToCommand/-OutputStream, where the result's Path describes the sink.</param>
    public static OffsiteRestoreResult ToOutput(RestoreResult r, string repository, bool isFile) => new()
    {
        Destination = r.Path,
        FullName = isFile ? r.Path : null,
        Name = isFile ? Path.GetFileName(r.Path) : null,
        Length = r.Length,
        Sha256 = r.Sha256,
        Verified = true, // every restore operation throws SourceHashMismatch before it returns otherwise
        Duration = r.Duration,
        MBPerSecond = Rate(r.Length, r.Duration),
        Set = r.Snapshot.Set,
        SnapshotId = r.Snapshot.SnapshotId,
        Repository = repository,
    };

    public static OffsiteRestoreResult ToOutput(LegacyRestoreResult r, string set, string repository, TimeSpan duration) => new()
    {
        Destination = r.Destination,
        FullName = r.Destination,
        Name = Path.GetFileName(r.Destination),
        Length = r.Length,
        Sha256 = r.Sha256,
        Verified = r.VerifiedAgainstExpectedHash,
        Duration = duration,
        MBPerSecond = Rate(r.Length, duration),
        Set = set,
        Repository = repository,
    };

    private static double? Rate(long length, TimeSpan duration) =>
        duration.TotalSeconds > 0 ? Math.Round(length / 1e6 / duration.TotalSeconds, 1) : null;
}
