namespace OnedriveOffsite.Output;

/// <summary>A snapshot as Get-OffsiteBackup, Start-OffsiteBackup and Restore-OffsiteBackup show it (table view in OnedriveOffsite.Format.ps1xml).</summary>
public sealed class OffsiteSnapshot
{
    public string Name { get; init; } = "";
    public string SnapshotId { get; init; } = "";
    public DateTime Created { get; init; }
    public string State { get; init; } = "";
    public string? SourceName { get; init; }
    public long? SourceSize { get; init; }
    public DateTime? SourceLastWriteTime { get; init; }
    public long StoredSize { get; init; }
    public int Parts { get; init; }
    /// <summary>What compression did: "Zstd (60%)" (stored size as a share of the source size) or "Stored"; format 2: of the data it added.</summary>
    public string? Compression { get; init; }
    /// <summary>The -Compression mode the backup asked for: Auto, Zstd or None.</summary>
    public string? RequestedCompression { get; init; }
    public string? KeyId { get; init; }
    public string? Sha256 { get; init; }
    public string? Host { get; init; }
    public string Repository { get; init; } = "";
    public string? Note { get; init; }
    /// <summary>Backup format: 1 (full copy in parts) or 2 (deduplicated, incremental).</summary>
    public int Format { get; init; } = 1;
    /// <summary>Format 2: bytes of new packs this snapshot added to the repository (null for format 1, where StoredSize is all its own).</summary>
    public long? AddedSize { get; init; }
    /// <summary>Only on the objects Start-OffsiteBackup returns.</summary>
    public TimeSpan? Duration { get; init; }
    public double? MBPerSecond { get; init; }

    public override string ToString() => $"{Name}/{SnapshotId}";
}
