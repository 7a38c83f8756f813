using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Snapshots;

/// <summary>
/// Reads a complete snapshot's manifest for work on its parts (restore, verification): missing manifest, wrong key,
/// damage and an inconsistent part list are errors. The catalog lists snapshots more leniently (a snapshot it
/// cannot read is listed with a note), reading only the manifest's header without a key.
/// </summary>
public sealed class ManifestReader
{
    private readonly ISnapshotRepository _repository;
    private readonly MasterKey _key;

    public ManifestReader(ISnapshotRepository repository, MasterKey key)
    {
        _repository = repository;
        _key = key;
    }

    /// <summary>
    /// Reads and decrypts a snapshot's manifest and checks that it belongs where it was found and that its part list covers the source
    /// exactly.
    /// </summary>
    public async Task<SnapshotManifest> ReadAsync(SnapshotLocation location, CancellationToken ct)
    {
        var what = $"snapshot {location.Set}/{location.Snapshot}";
        var bytes = await _repository.ReadManifestAsync(location, ct).ConfigureAwait(false)
            ?? throw new OffsiteException(ErrorIds.Snapshots.SnapshotIncomplete, OffsiteErrorCategory.InvalidOperation,
                $"{what} has no manifest: it is incomplete and cannot be restored.", location.Snapshot);
        var manifest = ManifestCodec.Decode(bytes, _key, $"The manifest of {what}");
        SnapshotPlacement.Check(location, manifest);
        long expectedOffset = 0;
        for (var i = 0; i < manifest.Parts.Count; i++)
        {
            var p = manifest.Parts[i];
            if (p.Index != i || p.Offset != expectedOffset || p.Length < 0 || p.File != SnapshotFiles.PartName(i))
                throw new OffsiteException(ErrorIds.Snapshots.ManifestCorrupt, OffsiteErrorCategory.InvalidData,
                    $"The manifest of {what} has an inconsistent part list.", location.Snapshot);
            expectedOffset += p.Length;
        }
        if (manifest.Parts.Count == 0 || expectedOffset != manifest.Source.Length)
            throw new OffsiteException(ErrorIds.Snapshots.ManifestCorrupt, OffsiteErrorCategory.InvalidData,
                $"The manifest of {what} does not cover the whole source file.", location.Snapshot);
        return manifest;
    }
}
