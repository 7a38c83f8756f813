using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Locking;

namespace OnedriveOffsite.Engine.Backup;

/// <summary>One file to back up into a set; a null <paramref name="PartSize"/> lets <see cref="PartSizing"/> choose.</summary>
public sealed record BackupRequest(
    string SourcePath,
    string SetName,
    long? PartSize = null,
    CompressionMode Compression = CompressionMode.Auto,
    int ThrottleLimit = 4,
    int SegmentSize = PartLayout.DefaultSegmentSize,
    bool RequireResume = false,
    bool AllowKeyChange = false)
{
    // 256 MiB (local repositories; OneDrive prefers 64 MiB, see PartSizing): four parts in flight keep both cores busy
    // on a 1 GiB file, bound the temp disk of compressed parts uploading to OneDrive (ThrottleLimit × part size) to
    // 1 GiB, and upload well within a session's lifetime.
    public const long DefaultPartSize = 256L << 20;
    public const long MinPartSize = 64 << 10;
    /// <summary>Well under OneDrive's 250 GB file limit, leaving room for record overhead.</summary>
    public const long MaxPartSize = 200L << 30;

    /// <summary>How the set's lock is taken (wait or fail when another run holds it).</summary>
    public LockOptions Lock { get; init; } = new();
}
