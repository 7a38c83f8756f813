using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Tests.Dedup;

/// <summary>
/// A repository that hands every call to another one; tests override the calls they interfere with (a kill before a
/// change, a failing upload) and inherit the rest.
/// </summary>
internal abstract class PassThroughRepository(ISnapshotRepository inner) : ISnapshotRepository
{
    public string Description => inner.Description;
    public Task<IReadOnlyList<string>> ListSetsAsync(CancellationToken ct) => inner.ListSetsAsync(ct);
    public Task<IReadOnlyList<StoredSnapshotFolder>> ListSnapshotsAsync(string set, CancellationToken ct) => inner.ListSnapshotsAsync(set, ct);
    public Task<IReadOnlyList<StoredFile>> ListFilesAsync(SnapshotLocation folder, CancellationToken ct) => inner.ListFilesAsync(folder, ct);
    public virtual Task<IPartSink> CreateFileAsync(SnapshotLocation snapshot, string name, long? knownLength, CancellationToken ct) =>
        inner.CreateFileAsync(snapshot, name, knownLength, ct);
    public Task<Stream> OpenReadAsync(SnapshotLocation snapshot, string name, CancellationToken ct) => inner.OpenReadAsync(snapshot, name, ct);
    public Task WriteManifestAsync(SnapshotLocation snapshot, byte[] manifest, CancellationToken ct) =>
        inner.WriteManifestAsync(snapshot, manifest, ct);
    public Task<byte[]?> ReadManifestAsync(SnapshotLocation snapshot, CancellationToken ct) => inner.ReadManifestAsync(snapshot, ct);
    public virtual Task DeleteFileAsync(SnapshotLocation snapshot, string name, CancellationToken ct) =>
        inner.DeleteFileAsync(snapshot, name, ct);
    public Task DeleteSnapshotAsync(SnapshotLocation snapshot, CancellationToken ct) => inner.DeleteSnapshotAsync(snapshot, ct);
    public Task<bool> TryCreateLockAsync(string? scope, byte[] content, CancellationToken ct) => inner.TryCreateLockAsync(scope, content, ct);
    public Task<byte[]?> ReadLockAsync(string? scope, CancellationToken ct) => inner.ReadLockAsync(scope, ct);
    public Task<bool> ReplaceLockAsync(string? scope, byte[] expected, byte[] content, CancellationToken ct) =>
        inner.ReplaceLockAsync(scope, expected, content, ct);
    public Task<bool> DeleteLockAsync(string? scope, byte[] expected, CancellationToken ct) => inner.DeleteLockAsync(scope, expected, ct);
}
