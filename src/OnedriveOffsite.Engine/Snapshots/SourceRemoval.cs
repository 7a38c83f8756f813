using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Restore;

namespace OnedriveOffsite.Engine.Snapshots;

/// <summary>
/// Start-OffsiteBackup -RemoveSource: deletes the source only after its snapshot is complete and verified, and only
/// if the file is still exactly what was backed up. Parts whose stored bytes were already checked against the
/// repository's own hash during upload (OneDrive's quickXorHash) are verified by a listing; otherwise (a local
/// repository) every part is read back, authenticated and hashed. The old service deleted sources even after failed
/// backups; this never does.
/// </summary>
public static class SourceRemoval
{
    public static async Task RemoveAsync(ISnapshotRepository repository, MasterKey key, BackupResult backup, int throttleLimit,
        IOperationObserver observer, CancellationToken ct)
    {
        var manifest = backup.Manifest;
        var location = new SnapshotLocation(backup.Snapshot.Set, backup.Snapshot.SnapshotId);
        var depth = manifest.Parts.All(p => p.StoredQuickXorHash is not null) ? VerificationDepth.Quick : VerificationDepth.Full;
        observer.Verbose($"Verifying {location.Set}/{location.Snapshot} ({depth}) before removing '{manifest.Source.Path}'.");
        var result = await new SnapshotVerifier(repository, key).VerifyAsync(location, depth, throttleLimit, observer, ct).ConfigureAwait(false);
        if (!result.Passed)
            throw new OffsiteException("VerificationFailed", OffsiteErrorCategory.InvalidData,
                $"The source was NOT removed: snapshot {location.Set}/{location.Snapshot} failed verification: {string.Join(" ", result.Problems)}", location.Snapshot);
        var source = new FileInfo(manifest.Source.Path);
        if (!source.Exists || source.Length != manifest.Source.Length || source.LastWriteTimeUtc != manifest.Source.LastWriteTimeUtc)
            throw new OffsiteException("SourceChanged", OffsiteErrorCategory.InvalidOperation,
                $"The source was NOT removed: '{source.FullName}' changed after it was backed up.", source.FullName);
        source.Delete();
        observer.Verbose($"Removed '{source.FullName}': snapshot {location.Set}/{location.Snapshot} is complete and verified.");
    }
}
