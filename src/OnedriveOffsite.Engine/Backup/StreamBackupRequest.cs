using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Format;

namespace OnedriveOffsite.Engine.Backup;

/// <summary>One stream (a command's output, or a stream a script holds) to back up into a set.</summary>
public sealed record StreamBackupRequest(
    string SetName,
    string SourceName,
    long PartSize = StreamBackupRequest.DefaultPartSize,
    CompressionMode Compression = CompressionMode.Auto,
    int ThrottleLimit = 4,
    int SegmentSize = PartLayout.DefaultSegmentSize)
{
    /// <summary>
    /// 32 MiB: a stream's parts are held in memory until stored, (ThrottleLimit + 1) × part size at most, so the file
    /// default (256 MiB × 4) cannot apply. Measured in docs/DECISIONS.md "Stream backups".
    /// </summary>
    public const long DefaultPartSize = 32L << 20;

    /// <summary>How the set's lock is taken (one run per set at a time, streams included).</summary>
    public Locking.LockOptions Lock { get; init; } = new();

    /// <summary>Back up even when the set's newest snapshot was made with another key (see <see cref="KeyContinuityCheck"/>).</summary>
    public bool AllowKeyChange { get; init; }
}
