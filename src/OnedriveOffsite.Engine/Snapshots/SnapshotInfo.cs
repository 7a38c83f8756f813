namespace OnedriveOffsite.Engine.Snapshots;

public enum SnapshotState
{
    Complete,
    /// <summary>Parts without a manifest: an interrupted or failed run left them (retention removes them).</summary>
    Incomplete,
    /// <summary>Incomplete, and a resume journal in this config home will continue it when the same backup runs again.</summary>
    Resumable,
}

/// <summary>
/// What listing, backup and restore report about a snapshot. Fields read from the encrypted manifest are null when
/// the snapshot is incomplete or the loaded key cannot open it.
/// </summary>
public sealed record SnapshotInfo
{
    public required string Repository { get; init; }
    public required string Set { get; init; }
    public required string SnapshotId { get; init; }
    public required DateTime CreatedUtc { get; init; }
    public required SnapshotState State { get; init; }
    public string? KeyId { get; init; }
    public string? SourceName { get; init; }
    public long? SourceLength { get; init; }
    public DateTime? SourceLastWriteTimeUtc { get; init; }
    public string? Sha256 { get; init; }
    public long StoredLength { get; init; }
    public int PartCount { get; init; }
    /// <summary>What compression did: "Zstd (60%)" (stored size as a share of the source's) or "Stored" (<see cref="OnedriveOffsite.Engine.Compression.CompressionSummary"/>).</summary>
    public string? Compression { get; init; }
    /// <summary>The -Compression mode the backup asked for (Auto, Zstd, None).</summary>
    public string? RequestedCompression { get; init; }
    public string? Host { get; init; }
    /// <summary>Backup format of the snapshot (1: full copy in parts; 2: deduplicated chunks in shared packs).</summary>
    public int Format { get; init; } = 1;
    /// <summary>Format 2: bytes of new packs this snapshot added to the repository (v1: every part is its own).</summary>
    public long? AddedLength { get; init; }

    /// <summary>True when the manifest authenticated with the loaded key (only such snapshots count as good copies).</summary>
    public bool Authenticated { get; init; }
    /// <summary>The resume journal that continues this incomplete snapshot, when there is one.</summary>
    public string? JournalPath { get; init; }
    /// <summary>Why manifest details are missing (no key, wrong key, damaged manifest), when they are.</summary>
    public string? Note { get; init; }
}
