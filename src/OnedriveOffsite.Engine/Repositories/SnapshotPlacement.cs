using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Format;

namespace OnedriveOffsite.Engine.Repositories;

/// <summary>
/// A snapshot is bound to where it is found (docs/FORMAT.md §6): the authenticated manifest's <c>set</c> must be the
/// set folder, and the snapshot folder's name must be the one derived from the manifest's creation time and snapshot
/// id. This refuses a snapshot copied into another set and an old snapshot renamed to look newer (a rollback), which
/// anyone who can write to the storage could arrange without the key.
/// </summary>
public static class SnapshotPlacement
{
    public static void Check(SnapshotLocation location, SnapshotManifest manifest)
    {
        var created = manifest.CreatedUtc.Kind switch
        {
            DateTimeKind.Local => manifest.CreatedUtc.ToUniversalTime(),
            DateTimeKind.Unspecified => DateTime.SpecifyKind(manifest.CreatedUtc, DateTimeKind.Utc),
            _ => manifest.CreatedUtc,
        };
        var expected = SnapshotFiles.SnapshotFolder(created, Convert.FromHexString(manifest.SnapshotId));
        if (manifest.Set == location.Set && expected == location.Snapshot) return;
        throw new OffsiteException("SnapshotMisplaced", OffsiteErrorCategory.InvalidData,
            $"The snapshot at {location.Set}/{location.Snapshot} is {manifest.Set}/{expected} according to its manifest (set " +
                $"'{manifest.Set}'): " +
            $"it was copied or renamed, so it is refused. Move it back to {manifest.Set}/{expected} if that was intended.",
            $"{location.Set}/{location.Snapshot}");
    }
}
