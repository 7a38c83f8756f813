namespace OnedriveOffsite.Engine.Compression;

/// <summary>What Start-OffsiteBackup -Compression asks for.</summary>
public enum CompressionMode
{
    /// <summary>zstd unless the input looks already compressed (by its magic number, or by a trial per part).</summary>
    Auto,
    /// <summary>zstd for every part (records that do not shrink are still stored as they are).</summary>
    Zstd,
    /// <summary>No compression: parts have a stored size known up front (streams to OneDrive with no temp disk).</summary>
    None,
}
