using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>What listing, backup and restore report about a format v2 snapshot.</summary>
public static class V2Catalog
{
    public static SnapshotInfo Describe(ISnapshotRepository repository, SnapshotLocation location, V2Manifest manifest, string keyId) =>
        new()
    {
        Repository = repository.Description,
        Set = location.Set,
        SnapshotId = location.Snapshot,
        CreatedUtc = manifest.CreatedUtc,
        State = SnapshotState.Complete,
        KeyId = keyId,
        SourceName = manifest.Source.Name,
        SourceLength = manifest.Source.Length,
        SourceLastWriteTimeUtc = manifest.Source.LastWriteTimeUtc,
        Sha256 = manifest.Source.Sha256,
        StoredLength = manifest.Added.StoredBytes + manifest.ChunkList.StoredLength,
        PartCount = manifest.Added.Packs,
        Compression = OnedriveOffsite.Engine.Compression.CompressionSummary.DescribeAdded(manifest.Compression, manifest.Added.PlainBytes,
            manifest.Added.StoredBytes),
        RequestedCompression = manifest.Compression,
        Host = manifest.Host,
        Format = 2,
        AddedLength = manifest.Added.StoredBytes,
    };
}
