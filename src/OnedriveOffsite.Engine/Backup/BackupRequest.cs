using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Format;

namespace OnedriveOffsite.Engine.Backup;

/// <summary>One file to back up into a set.</summary>
public sealed record BackupRequest(
    string SourcePath,
    string SetName,
    long PartSize = BackupRequest.DefaultPartSize,
    CompressionMode Compression = CompressionMode.Auto,
    int ThrottleLimit = 4,
    int SegmentSize = PartLayout.DefaultSegmentSize,
    bool RequireResume = false)
{
    public const long DefaultPartSize = 1L << 30;
    public const long MinPartSize = 64 << 10;
    /// <summary>Well under OneDrive's 250 GB file limit, leaving room for record overhead.</summary>
    public const long MaxPartSize = 200L << 30;
}
