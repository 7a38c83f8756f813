namespace OnedriveOffsite.Output;

/// <summary>What Optimize-OffsiteRepository did to one set (table view in OnedriveOffsite.Format.ps1xml).</summary>
public sealed class OffsiteOptimizeResult
{
    public string Name { get; init; } = "";
    /// <summary>2 when the set holds format 2 (deduplicated) data; 1 when it holds only full copies (nothing to optimize).</summary>
    public int Format { get; init; }
    /// <summary>Packs whose still-needed chunks were copied into new packs (and which were then deleted).</summary>
    public int PacksRewritten { get; init; }
    /// <summary>New packs written for the chunks that moved.</summary>
    public int PacksWritten { get; init; }
    /// <summary>Pack files deleted: the rewritten ones, those no snapshot needs, and those no index named.</summary>
    public int PacksDeleted { get; init; }
    public long ChunksMoved { get; init; }
    public int IndexFilesReplaced { get; init; }
    /// <summary>Bytes of the set's packs and index files before and after.</summary>
    public long StoredSizeBefore { get; init; }
    public long StoredSizeAfter { get; init; }
    public long Freed => StoredSizeBefore - StoredSizeAfter;
    public TimeSpan Duration { get; init; }
    public string Repository { get; init; } = "";
    /// <summary>Why nothing was done, when nothing was.</summary>
    public string? Note { get; init; }

    public override string ToString() => $"{Name}: {Freed} bytes freed";
}
