using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Backup;

/// <summary>
/// Refuses to back up into a set whose newest complete snapshot was made with another key, unless the caller
/// allows a key change. A host that silently got a new key (a reinstall, a -Force by mistake, another machine's
/// config home) would otherwise keep making snapshots that the saved key cannot restore. Reads only the newest
/// manifest's clear header (its key id, format 1 or 2); runs before anything is stored or a command is started.
/// </summary>
public static class KeyContinuityCheck
{
    public static async Task EnsureAsync(ISnapshotRepository repository, string set, MasterKey key, bool allowKeyChange,
        IOperationObserver observer, CancellationToken ct)
    {
        var complete = (await repository.ListSnapshotsAsync(set, ct).ConfigureAwait(false))
            .Where(f => f.HasManifest).OrderByDescending(f => f.Location.Snapshot, StringComparer.Ordinal);
        foreach (var folder in complete)
        {
            var bytes = await repository.ReadManifestAsync(folder.Location, ct).ConfigureAwait(false);
            string previousKeyId;
            try
            {
                if (bytes is null) continue;
                var what = $"the manifest of {folder.Location.Set}/{folder.Location.Snapshot}";
                // Either format: a set's newest snapshot may be format 1 or 2 whichever format this run writes.
                previousKeyId = Dedup.V2ManifestCodec.IsV2(bytes)
                    ? Dedup.V2ManifestCodec.ReadHeader(bytes, what).KeyIdHex
                    : ManifestCodec.ReadHeader(bytes, what).KeyIdHex;
            }
            catch (OffsiteException ex)
            {
                observer.Verbose($"Key check: skipping {folder.Location.Set}/{folder.Location.Snapshot}, its manifest header " +
                    $"cannot be read ({ex.Message}).");
                continue;
            }
            if (previousKeyId == key.KeyId) return;
            if (allowKeyChange)
            {
                observer.Verbose($"Key change allowed: the newest snapshot of '{set}' ({folder.Location.Snapshot}) was made " +
                    $"with key {previousKeyId}, this one uses key {key.KeyId}.");
                return;
            }
            throw new OffsiteException(ErrorIds.Keys.KeyMismatch, OffsiteErrorCategory.SecurityError,
                $"The newest snapshot of set '{set}' ({folder.Location.Snapshot}) was made with key {previousKeyId}, " +
                $"but the loaded key is {key.KeyId}. Nothing was stored. Load the set's key (New-OffsiteKey -FromText " +
                "imports a saved copy), or pass -AllowKeyChange if the key was changed on purpose " +
                "(keep the old key: older snapshots still need it).", set);
        }
    }
}
