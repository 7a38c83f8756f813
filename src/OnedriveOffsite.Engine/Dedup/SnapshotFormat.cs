using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>Which format a stored snapshot uses, from its manifest's version byte (readable without the key).</summary>
public static class SnapshotFormat
{
    /// <summary>2 for a format v2 manifest, else 1 (v1 readers then report whatever is wrong with it, as before).</summary>
    public static async Task<int> DetectAsync(ISnapshotRepository repository, SnapshotLocation location, CancellationToken ct)
    {
        var bytes = await repository.ReadManifestAsync(location, ct).ConfigureAwait(false);
        return bytes is not null && V2ManifestCodec.IsV2(bytes) ? 2 : 1;
    }
}
