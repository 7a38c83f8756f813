using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Tests.Dedup;

/// <summary>A repository that fails (as a killed process stops) at its Nth change to packs or index files.</summary>
internal sealed class KilledAfter(ISnapshotRepository inner, int changesAllowed) : ISnapshotRepository
{
    private int _changes;

    /// <summary>The changes made (not the one it was killed at), as "create name" / "delete name".</summary>
    public List<string> Done { get; } = new();

    private void Change(string what)
    {
        if (_changes++ >= changesAllowed) throw new IOException($"simulated kill before change {_changes}");
        lock (Done) Done.Add(what);
    }

    public string Description => inner.Description;
    public Task<IReadOnlyList<string>> ListSetsAsync(CancellationToken ct) => inner.ListSetsAsync(ct);
    public Task<IReadOnlyList<StoredSnapshotFolder>> ListSnapshotsAsync(string set, CancellationToken ct) => inner.ListSnapshotsAsync(set, ct);
    public Task<IReadOnlyList<StoredFile>> ListFilesAsync(SnapshotLocation folder, CancellationToken ct) => inner.ListFilesAsync(folder, ct);
    public Task<IPartSink> CreateFileAsync(SnapshotLocation snapshot, string name, long? knownLength, CancellationToken ct)
    {
        Change("create " + name);
        return inner.CreateFileAsync(snapshot, name, knownLength, ct);
    }
    public Task<Stream> OpenReadAsync(SnapshotLocation snapshot, string name, CancellationToken ct) => inner.OpenReadAsync(snapshot, name, ct);
    public Task WriteManifestAsync(SnapshotLocation snapshot, byte[] manifest, CancellationToken ct) => inner.WriteManifestAsync(snapshot, manifest, ct);
    public Task<byte[]?> ReadManifestAsync(SnapshotLocation snapshot, CancellationToken ct) => inner.ReadManifestAsync(snapshot, ct);
    public Task DeleteFileAsync(SnapshotLocation snapshot, string name, CancellationToken ct)
    {
        Change("delete " + name);
        return inner.DeleteFileAsync(snapshot, name, ct);
    }
    public Task DeleteSnapshotAsync(SnapshotLocation snapshot, CancellationToken ct) => inner.DeleteSnapshotAsync(snapshot, ct);
    public Task<bool> TryCreateLockAsync(string? scope, byte[] content, CancellationToken ct) => inner.TryCreateLockAsync(scope, content, ct);
    public Task<byte[]?> ReadLockAsync(string? scope, CancellationToken ct) => inner.ReadLockAsync(scope, ct);
    public Task<bool> ReplaceLockAsync(string? scope, byte[] expected, byte[] content, CancellationToken ct) => inner.ReplaceLockAsync(scope, expected, content, ct);
    public Task<bool> DeleteLockAsync(string? scope, byte[] expected, CancellationToken ct) => inner.DeleteLockAsync(scope, expected, ct);
}
