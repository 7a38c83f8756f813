namespace OnedriveOffsite.Engine.Repositories;

/// <summary>Where a snapshot's files live: set folder and snapshot folder (its public snapshot id).</summary>
public sealed record SnapshotLocation(string Set, string Snapshot);

/// <summary>A snapshot folder as the repository sees it, before its manifest is read.</summary>
public sealed record StoredSnapshotFolder(SnapshotLocation Location, bool HasManifest, IReadOnlyList<StoredFile> Files);

public sealed record StoredFile(string Name, long Length, string? QuickXorHash);

/// <summary>What a finished stored file looks like to the repository (size, and OneDrive's hash where there is one).</summary>
public sealed record StoredPartResult(long Length, string? QuickXorHash);

/// <summary>
/// A place that holds backup sets (docs/FORMAT.md "Repository layout"): a local directory or OneDrive. All file
/// names are the format's own (part-NNNNN.oop, manifest.oom); the repository never interprets their content.
/// </summary>
public interface ISnapshotRepository
{
    string Description { get; }

    Task<IReadOnlyList<string>> ListSetsAsync(CancellationToken ct);

    Task<IReadOnlyList<StoredSnapshotFolder>> ListSnapshotsAsync(string set, CancellationToken ct);

    /// <summary>
    /// The finished files directly in one folder of a set (format v2's <c>packs</c> and <c>index</c> folders, or a
    /// snapshot folder); empty when the folder does not exist. OneDrive pages through large folders.
    /// </summary>
    Task<IReadOnlyList<StoredFile>> ListFilesAsync(SnapshotLocation folder, CancellationToken ct) =>
        throw new NotSupportedException($"{GetType().Name} cannot list folders (needed by format v2).");

    /// <summary>Starts a new stored file; <paramref name="knownLength"/> is its exact size when known up front.</summary>
    Task<IPartSink> CreateFileAsync(SnapshotLocation snapshot, string name, long? knownLength, CancellationToken ct);

    /// <summary>A forward-only stream over a stored file; throws PartMissing when it does not exist.</summary>
    Task<Stream> OpenReadAsync(SnapshotLocation snapshot, string name, CancellationToken ct);

    /// <summary>Stores the manifest; it appears atomically and never replaces an existing one.</summary>
    Task WriteManifestAsync(SnapshotLocation snapshot, byte[] manifest, CancellationToken ct);

    /// <summary>The manifest's bytes, or null while the snapshot is incomplete.</summary>
    Task<byte[]?> ReadManifestAsync(SnapshotLocation snapshot, CancellationToken ct);

    /// <summary>
    /// Removes one stored file of an incomplete snapshot (a part that an interrupted run stored but never recorded,
    /// so that it can be stored again: snapshots never overwrite). Nothing happens when it does not exist.
    /// </summary>
    Task DeleteFileAsync(SnapshotLocation snapshot, string name, CancellationToken ct);

    /// <summary>Removes a whole snapshot folder (Remove-OffsiteBackup). Nothing happens when it does not exist.</summary>
    Task DeleteSnapshotAsync(SnapshotLocation snapshot, CancellationToken ct);
}

/// <summary>
/// Receives one stored file's bytes in order. Disposing before <see cref="CompleteAsync"/> abandons it, so no
/// partial file is ever taken for a finished one.
/// </summary>
public interface IPartSink : IAsyncDisposable
{
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct);

    Task<StoredPartResult> CompleteAsync(CancellationToken ct);
}
