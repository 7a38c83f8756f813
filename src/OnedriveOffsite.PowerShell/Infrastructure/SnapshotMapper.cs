using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Infrastructure;

/// <summary>Engine snapshot descriptions → the output objects PowerShell formats.</summary>
internal static class SnapshotMapper
{
    /// <param name="repository">The -Repository value that finds this snapshot again (what Restore/Test take from the pipeline).</param>
    public static OffsiteSnapshot ToOutput(SnapshotInfo s, string repository, TimeSpan? duration = null) => new()
    {
        Name = s.Set,
        SnapshotId = s.SnapshotId,
        Created = DateTime.SpecifyKind(s.CreatedUtc, DateTimeKind.Utc),
        State = s.State.ToString(),
        SourceName = s.SourceName,
        SourceSize = s.SourceLength,
        SourceLastWriteTime = s.SourceLastWriteTimeUtc is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : null,
        StoredSize = s.StoredLength,
        Parts = s.PartCount,
        Compression = s.Compression,
        RequestedCompression = s.RequestedCompression,
        KeyId = s.KeyId,
        Sha256 = s.Sha256,
        Host = s.Host,
        Repository = repository,
        Note = s.Note,
        Format = s.Format,
        AddedSize = s.AddedLength,
        Duration = duration,
        MBPerSecond = duration is { TotalSeconds: > 0 } d && s.SourceLength is { } len ? Math.Round(len / 1e6 / d.TotalSeconds, 1) : null,
    };
}
