namespace OnedriveOffsite.Engine.Repositories;

/// <summary>Where a snapshot's files live: set folder and snapshot folder (its public snapshot id).</summary>
public sealed record SnapshotLocation(string Set, string Snapshot);

/// <summary>A snapshot folder as the repository sees it, before its manifest is read.</summary>
public sealed record StoredSnapshotFolder(SnapshotLocation Location, bool HasManifest, IReadOnlyList<StoredFile> Files);

/// <summary>A stored file as listed: its size, and the repository's own checksum of it where the backend computes one.</summary>
public sealed record StoredFile(string Name, long Length, StoredChecksum? Checksum);

/// <summary>What a finished stored file looks like to the repository (size, and its own checksum where there is one).</summary>
public sealed record StoredPartResult(long Length, StoredChecksum? Checksum);

/// <summary>
/// A checksum a backend computes itself over a stored copy (a server-side content hash: OneDrive's quickXorHash),
/// so a listing proves the stored bytes without reading them back. Backends without one report null.
/// </summary>
public sealed record StoredChecksum(string Algorithm, string Value)
{
    /// <summary>OneDrive's quickXorHash (base64); the only algorithm format v1 records (part field storedQuickXorHash).</summary>
    public const string QuickXorHash = "quickXorHash";

    /// <summary>The value for the v1 manifest's part field storedQuickXorHash (null for other algorithms).</summary>
    public string? ManifestQuickXorHash => Algorithm == QuickXorHash ? Value : null;

    /// <summary>The checksum a v1 manifest records for a part (its storedQuickXorHash), or null.</summary>
    public static StoredChecksum? FromManifest(string? storedQuickXorHash) =>
        storedQuickXorHash is null ? null : new StoredChecksum(QuickXorHash, storedQuickXorHash);
}

/// <summary>
/// A place that holds backup sets (docs/FORMAT.md "Repository layout"): a local directory or OneDrive. All file
/// names are the format's own (part-NNNNN.oop, manifest.oom); the repository never interprets their content.
/// </summary>
public interface ISnapshotRepository
{
    string Description { get; }

    /// <summary>
    /// The part size a file backup uses here when none is asked for (null: <see cref="Backup.BackupRequest.DefaultPartSize"/>).
    /// A store that cannot continue an interrupted upload prefers smaller parts: a killed run sends its in-flight parts again.
    /// </summary>
    long? PreferredPartSize => null;

    /// <summary>What reading a stored file is called in progress: "reading" here, "downloading" from OneDrive.</summary>
    string ReadStep => "reading";

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

    // Locks (docs/FORMAT.md "Locks"). A lock is one small file, SnapshotFiles.LockName, in a set folder
    // (scope = the set name) or in the repository root (scope = null: the whole repository). The repository only
    // stores bytes; what they mean (holder, times, staleness) is Locking.RepositoryLock's business. Every
    // operation below is about the lock file of one scope only; "content" is always the whole file.

    /// <summary>
    /// Creates the scope's lock with <paramref name="content"/> if there is none, atomically: of any number of
    /// callers racing (threads, processes, hosts), exactly one gets true. Never replaces an existing lock (local: a
    /// file created exclusively; OneDrive: conflictBehavior fail). Creates the set folder when it is missing.
    /// </summary>
    Task<bool> TryCreateLockAsync(string? scope, byte[] content, CancellationToken ct);

    /// <summary>The scope's lock content, or null when there is no lock.</summary>
    Task<byte[]?> ReadLockAsync(string? scope, CancellationToken ct);

    /// <summary>
    /// Replaces the lock's content with <paramref name="content"/> only if it still is <paramref name="expected"/>
    /// (the caller's own lock); false when the lock is gone or holds something else (the caller lost it). The
    /// compare and the replace are two steps: a lock broken in between is noticed by the holder's next check.
    /// </summary>
    Task<bool> ReplaceLockAsync(string? scope, byte[] expected, byte[] content, CancellationToken ct);

    /// <summary>
    /// Deletes the lock only if its content is <paramref name="expected"/> (releasing one's own lock, or breaking
    /// the stale lock one has just read); false when it is gone or holds something else (then nothing is deleted).
    /// </summary>
    Task<bool> DeleteLockAsync(string? scope, byte[] expected, CancellationToken ct);
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
