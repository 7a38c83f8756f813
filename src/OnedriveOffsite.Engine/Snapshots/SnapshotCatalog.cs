using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Snapshots;

/// <summary>Lists and finds snapshots, reading what each manifest reveals to the loaded key.</summary>
public sealed class SnapshotCatalog
{
    private readonly ISnapshotRepository _repository;
    private readonly MasterKey? _key;
    private readonly IReadOnlyDictionary<string, string>? _journals;

    /// <param name="journals">Snapshot folder → resume journal (<see cref="ResumeJournals.BySnapshotFolder"/>): incomplete
    /// snapshots found there are listed as Resumable.</param>
    public SnapshotCatalog(ISnapshotRepository repository, MasterKey? key, IReadOnlyDictionary<string, string>? journals = null)
    {
        _repository = repository;
        _key = key;
        _journals = journals;
    }

    /// <summary>Throws SetNotFound unless the repository has a set of that name.</summary>
    public async Task EnsureSetExistsAsync(string set, CancellationToken ct)
    {
        SetName.Validate(set);
        var sets = await _repository.ListSetsAsync(ct).ConfigureAwait(false);
        if (!sets.Contains(set, StringComparer.OrdinalIgnoreCase))
            throw new OffsiteException("SetNotFound", OffsiteErrorCategory.ObjectNotFound,
                $"The repository {_repository.Description} has no set '{set}'. Get-OffsiteBackup lists the sets there.", set);
    }

    /// <summary>
    /// All snapshots of one set (or of every set): sets in name order, each set's snapshots oldest first by snapshot id
    /// (its creation time), so the last one of a set is the newest, the one a restore without -SnapshotId picks when complete.
    /// </summary>
    public async Task<IReadOnlyList<SnapshotInfo>> ListAsync(string? set, CancellationToken ct)
    {
        var sets = set is null ? await _repository.ListSetsAsync(ct).ConfigureAwait(false) : new[] { SetName.Validate(set) };
        var result = new List<SnapshotInfo>();
        foreach (var s in sets)
            foreach (var folder in await _repository.ListSnapshotsAsync(s, ct).ConfigureAwait(false))
                result.Add(await DescribeAsync(folder, ct).ConfigureAwait(false));
        return result.OrderBy(r => r.Set, StringComparer.Ordinal).ThenBy(r => r.SnapshotId, StringComparer.Ordinal).ToList();
    }

    /// <summary>The snapshot to restore: the given id, else the newest complete one of the set.</summary>
    public async Task<SnapshotLocation> FindAsync(string set, string? snapshotId, CancellationToken ct)
    {
        SetName.Validate(set);
        var folders = await _repository.ListSnapshotsAsync(set, ct).ConfigureAwait(false);
        if (folders.Count == 0)
            throw new OffsiteException(ErrorIds.Snapshots.SnapshotNotFound, OffsiteErrorCategory.ObjectNotFound,
                $"The repository {_repository.Description} has no snapshots in set '{set}'.", set);
        if (snapshotId is null)
        {
            var latest = folders.Where(f => f.HasManifest).OrderBy(f => f.Location.Snapshot, StringComparer.Ordinal).LastOrDefault()
                ?? throw new OffsiteException(ErrorIds.Snapshots.SnapshotIncomplete, OffsiteErrorCategory.InvalidOperation,
                    $"Set '{set}' has only incomplete snapshots; none can be restored.", set);
            return latest.Location;
        }
        var match = folders.FirstOrDefault(f => string.Equals(f.Location.Snapshot, snapshotId, StringComparison.OrdinalIgnoreCase))
            ?? throw new OffsiteException(ErrorIds.Snapshots.SnapshotNotFound, OffsiteErrorCategory.ObjectNotFound,
                $"Set '{set}' has no snapshot '{snapshotId}'. Get-OffsiteBackup -Name {set} lists them.", snapshotId);
        if (!match.HasManifest)
            throw new OffsiteException(ErrorIds.Snapshots.SnapshotIncomplete, OffsiteErrorCategory.InvalidOperation,
                $"Snapshot {set}/{snapshotId} is incomplete (its upload never finished) and cannot be restored.", snapshotId);
        return match.Location;
    }

    private async Task<SnapshotInfo> DescribeAsync(StoredSnapshotFolder folder, CancellationToken ct)
    {
        SnapshotFiles.TryParseSnapshotFolder(folder.Location.Snapshot, out var created);
        // The parts' bytes (and a format 2 chunk list), not the manifest: the same StoredSize a backup reports.
        var stored = folder.Files.Where(f => f.Name != SnapshotFiles.ManifestName).Sum(f => f.Length);
        var basic = new SnapshotInfo
        {
            Repository = _repository.Description,
            Set = folder.Location.Set,
            SnapshotId = folder.Location.Snapshot,
            CreatedUtc = created,
            State = folder.HasManifest ? SnapshotState.Complete : SnapshotState.Incomplete,
            StoredLength = stored,
            PartCount = folder.Files.Count(f => f.Name.EndsWith(SnapshotFiles.PartExtension, StringComparison.Ordinal)),
        };
        if (!folder.HasManifest) return Unfinished(basic);
        byte[]? bytes;
        try { bytes = await _repository.ReadManifestAsync(folder.Location, ct).ConfigureAwait(false); }
        catch (OffsiteException ex) when (ex.ErrorId == ErrorIds.Snapshots.ManifestCorrupt) { return basic with { Note = ex.Message }; } // e.g. over the size cap
        if (bytes is null) return Unfinished(basic with { State = SnapshotState.Incomplete });
        try
        {
            if (Dedup.V2ManifestCodec.IsV2(bytes)) return DescribeV2(folder.Location, bytes, basic);
            var header = ManifestCodec.ReadHeader(bytes, "the manifest");
            if (_key is null) return basic with { KeyId = header.KeyIdHex, Note = "No key loaded: details are encrypted." };
            if (header.KeyIdHex != _key.KeyId) return basic with { KeyId = header.KeyIdHex, Note = $"Made with another key ({header.KeyIdHex})." };
            var manifest = ManifestCodec.Decode(bytes, _key, $"manifest of {folder.Location.Set}/{folder.Location.Snapshot}");
            SnapshotPlacement.Check(folder.Location, manifest);
            return Describe(_repository, folder.Location, manifest, header.KeyIdHex) with { StoredLength = stored };
        }
        catch (OffsiteException ex)
        {
            return basic with { Note = ex.Message };
        }
    }

    private SnapshotInfo DescribeV2(SnapshotLocation location, byte[] bytes, SnapshotInfo basic)
    {
        basic = basic with { Format = 2 };
        var header = Dedup.V2ManifestCodec.ReadHeader(bytes, "the manifest");
        if (_key is null) return basic with { KeyId = header.KeyIdHex, Note = "No key loaded: details are encrypted." };
        if (header.KeyIdHex != _key.KeyId) return basic with { KeyId = header.KeyIdHex, Note = $"Made with another key ({header.KeyIdHex})." };
        return Dedup.V2Catalog.Describe(_repository, location, Dedup.V2ManifestCodec.Decode(bytes, _key, location), header.KeyIdHex) with { Authenticated = true };
    }

    private SnapshotInfo Unfinished(SnapshotInfo info) =>
        _journals is not null && _journals.TryGetValue(info.SnapshotId, out var journal)
            ? info with { State = SnapshotState.Resumable, JournalPath = journal, Note = "Running the same backup again continues it; removing it also deletes its resume journal." }
            : info;

    internal static SnapshotInfo Describe(ISnapshotRepository repository, SnapshotLocation location, SnapshotManifest manifest, string keyId) => new()
    {
        Repository = repository.Description,
        Set = location.Set,
        SnapshotId = location.Snapshot,
        CreatedUtc = manifest.CreatedUtc,
        State = SnapshotState.Complete,
        Authenticated = true,
        KeyId = keyId,
        SourceName = manifest.Source.Name,
        SourceLength = manifest.Source.Length,
        SourceLastWriteTimeUtc = manifest.Source.LastWriteTimeUtc,
        Sha256 = manifest.Source.Sha256,
        StoredLength = manifest.Parts.Sum(p => p.StoredLength),
        PartCount = manifest.Parts.Count,
        Compression = OnedriveOffsite.Engine.Compression.CompressionSummary.Describe(manifest.Parts, manifest.Source.Length),
        RequestedCompression = manifest.Compression,
        Host = manifest.Host,
    };
}
