using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Restore;

namespace OnedriveOffsite.Engine.Snapshots;

/// <summary>
/// Start-OffsiteBackup -RemoveSource: deletes the source only after its snapshot is complete and verified as strongly
/// as Test-OffsiteBackup -Full would, and only if the file is still exactly what was backed up. The backup itself
/// proved that every part holds the bytes its whole-file SHA-256 covers (BackupOperation); what is left to prove is
/// that the repository holds what was sent. A part whose upload OneDrive confirmed with a quickXorHash equal to the
/// one computed while sending, and whose listing still shows that hash, is proven by the listing; if any part lacks
/// that (a local repository, or OneDrive reported no hash), every part is read back, authenticated and the
/// reassembled SHA-256 compared — never size alone. The old service deleted sources even after failed backups; this
/// never does.
/// </summary>
public static class SourceRemoval
{
    public static async Task RemoveAsync(ISnapshotRepository repository, MasterKey key, BackupResult backup, int throttleLimit,
        IOperationObserver observer, CancellationToken ct)
    {
        var manifest = backup.Manifest;
        var location = new SnapshotLocation(backup.Snapshot.Set, backup.Snapshot.SnapshotId);
        var depth = await ConfirmedByListingAsync(repository, location, manifest, ct).ConfigureAwait(false) ? VerificationDepth.Quick
            : VerificationDepth.Full;
        observer.Verbose($"Verifying {location.Set}/{location.Snapshot} ({depth}) before removing '{manifest.Source.Path}'.");
        var result = await new SnapshotVerifier(repository, key).VerifyAsync(location, depth, throttleLimit, observer, ct)
            .ConfigureAwait(false);
        DeleteIfVerifiedAndUnchanged(result, manifest.Source, observer);
    }

    /// <summary>
    /// The same for a format 2 snapshot: its packs were verified on upload only for the chunks this run added, and
    /// the index records no OneDrive hash for the older ones, so every chunk the snapshot needs is read back,
    /// authenticated, and the reassembled SHA-256 compared (Test-OffsiteBackup -Full) before the source goes.
    /// </summary>
    public static async Task RemoveAsync(ISnapshotRepository repository, MasterKey key, Dedup.DedupBackupResult backup,
        int throttleLimit, IOperationObserver observer, CancellationToken ct)
    {
        var location = new SnapshotLocation(backup.Snapshot.Set, backup.Snapshot.SnapshotId);
        var source = backup.Manifest.Source;
        observer.Verbose($"Verifying {location.Set}/{location.Snapshot} (Full, format 2) before removing '{source.Path}'.");
        var result = await new Dedup.DedupVerifier(repository, key)
            .VerifyAsync(location, VerificationDepth.Full, 0, throttleLimit, observer, ct).ConfigureAwait(false);
        DeleteIfVerifiedAndUnchanged(result, source, observer);
    }

    private static void DeleteIfVerifiedAndUnchanged(VerificationResult result, Format.SnapshotManifest.SourceInfo recorded,
        IOperationObserver observer)
    {
        var location = result.Location;
        if (!result.Passed)
            throw new OffsiteException(ErrorIds.Backup.VerificationFailed, OffsiteErrorCategory.InvalidData,
                $"The source was NOT removed: snapshot {location.Set}/{location.Snapshot} failed verification: " +
                    $"{string.Join(" ", result.Problems)}", location.Snapshot);
        var source = new FileInfo(recorded.Path);
        if (!source.Exists || source.Length != recorded.Length || source.LastWriteTimeUtc != recorded.LastWriteTimeUtc)
            throw new OffsiteException(ErrorIds.Backup.SourceChanged, OffsiteErrorCategory.InvalidOperation,
                $"The source was NOT removed: '{source.FullName}' changed after it was backed up.", source.FullName);
        source.Delete();
        observer.Verbose($"Removed '{source.FullName}': snapshot {location.Set}/{location.Snapshot} is complete and verified.");
    }

    private static async Task<bool> ConfirmedByListingAsync(ISnapshotRepository repository, SnapshotLocation location,
        Format.SnapshotManifest manifest, CancellationToken ct)
    {
        var folder = (await repository.ListSnapshotsAsync(location.Set, ct).ConfigureAwait(false))
            .FirstOrDefault(f => f.Location == location);
        if (folder is null) return false;
        var listed = folder.Files.ToDictionary(f => f.Name);
        return manifest.Parts.All(p => p.StoredQuickXorHash is not null && listed.TryGetValue(p.File, out var file)
            && file.Length == p.StoredLength
                && string.Equals(file.Checksum?.ManifestQuickXorHash, p.StoredQuickXorHash, StringComparison.Ordinal));
    }
}
