using System.Collections.Concurrent;
using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Repositories.Memory;

/// <summary>
/// A repository held in memory, for tests of the engine that are not about a storage backend (no disk, no HTTP).
/// It keeps the same contract as the real ones (tests/Unit/Repositories/RepositoryContract.cs): a file appears
/// only when completed, an abandoned one leaves nothing, the manifest never replaces an existing one.
/// Not reachable from -Repository: no scheme is registered for it.
/// </summary>
public sealed class MemoryRepository : ISnapshotRepository
{
    private readonly ConcurrentDictionary<(string Set, string Snapshot), ConcurrentDictionary<string, byte[]>> _snapshots = new();

    public string Description => "memory";

    // Locks: one entry per scope ("" for the whole repository); compare-and-swap under one monitor.
    private readonly Dictionary<string, byte[]> _locks = new(StringComparer.Ordinal);

    public Task<bool> TryCreateLockAsync(string? scope, byte[] content, CancellationToken ct)
    {
        lock (_locks) return Task.FromResult(_locks.TryAdd(scope ?? "", content.ToArray()));
    }

    public Task<byte[]?> ReadLockAsync(string? scope, CancellationToken ct)
    {
        lock (_locks) return Task.FromResult(_locks.TryGetValue(scope ?? "", out var c) ? c.ToArray() : null);
    }

    public Task<bool> ReplaceLockAsync(string? scope, byte[] expected, byte[] content, CancellationToken ct)
    {
        lock (_locks)
        {
            if (!_locks.TryGetValue(scope ?? "", out var c) || !c.AsSpan().SequenceEqual(expected)) return Task.FromResult(false);
            _locks[scope ?? ""] = content.ToArray();
            return Task.FromResult(true);
        }
    }

    public Task<bool> DeleteLockAsync(string? scope, byte[] expected, CancellationToken ct)
    {
        lock (_locks)
        {
            if (!_locks.TryGetValue(scope ?? "", out var c) || !c.AsSpan().SequenceEqual(expected)) return Task.FromResult(false);
            return Task.FromResult(_locks.Remove(scope ?? ""));
        }
    }

    public Task<IReadOnlyList<string>> ListSetsAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<string>>(_snapshots.Keys.Select(k => k.Set).Distinct().Order(StringComparer.Ordinal).ToList());

    public Task<IReadOnlyList<StoredSnapshotFolder>> ListSnapshotsAsync(string set, CancellationToken ct)
    {
        var result = _snapshots
            .Where(kv => kv.Key.Set == set && SnapshotFiles.TryParseSnapshotFolder(kv.Key.Snapshot, out _))
            .OrderBy(kv => kv.Key.Snapshot, StringComparer.Ordinal)
            .Select(kv =>
            {
                var files = kv.Value.Select(f => new StoredFile(f.Key, f.Value.Length, null))
                    .OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
                var complete = files.Any(f => f.Name == SnapshotFiles.ManifestName);
                return new StoredSnapshotFolder(new SnapshotLocation(set, kv.Key.Snapshot), complete, files);
            })
            .ToList();
        return Task.FromResult<IReadOnlyList<StoredSnapshotFolder>>(result);
    }

    public Task<IPartSink> CreateFileAsync(SnapshotLocation snapshot, string name, long? knownLength, CancellationToken ct) =>
        Task.FromResult<IPartSink>(new Sink(Folder(snapshot), name));

    public Task<Stream> OpenReadAsync(SnapshotLocation snapshot, string name, CancellationToken ct)
    {
        if (!_snapshots.TryGetValue(Key(snapshot), out var files) || !files.TryGetValue(name, out var bytes))
            throw new OffsiteException(ErrorIds.Snapshots.PartMissing, OffsiteErrorCategory.ObjectNotFound,
                $"Stored {name} of snapshot {snapshot.Set}/{snapshot.Snapshot} is missing from the repository.", name);
        return Task.FromResult<Stream>(new MemoryStream(bytes, writable: false));
    }

    public Task WriteManifestAsync(SnapshotLocation snapshot, byte[] manifest, CancellationToken ct)
    {
        if (!Folder(snapshot).TryAdd(SnapshotFiles.ManifestName, manifest.ToArray()))
            throw new IOException($"The manifest of {snapshot.Set}/{snapshot.Snapshot} already exists.");
        return Task.CompletedTask;
    }

    public Task<byte[]?> ReadManifestAsync(SnapshotLocation snapshot, CancellationToken ct) =>
        Task.FromResult(_snapshots.TryGetValue(Key(snapshot), out var files) && files.TryGetValue(SnapshotFiles.ManifestName, out var m)
            ? m.ToArray()
            : null);

    public Task DeleteFileAsync(SnapshotLocation snapshot, string name, CancellationToken ct)
    {
        if (_snapshots.TryGetValue(Key(snapshot), out var files)) files.TryRemove(name, out _);
        return Task.CompletedTask;
    }

    public Task DeleteSnapshotAsync(SnapshotLocation snapshot, CancellationToken ct)
    {
        _snapshots.TryRemove(Key(snapshot), out _);
        return Task.CompletedTask;
    }

    /// <summary>The stored bytes of a file (tests that damage or inspect the stored copy), or null.</summary>
    public byte[]? GetFile(SnapshotLocation snapshot, string name) =>
        _snapshots.TryGetValue(Key(snapshot), out var files) && files.TryGetValue(name, out var bytes) ? bytes : null;

    /// <summary>Replaces a stored file's bytes (tests that tamper with the stored copy).</summary>
    public void SetFile(SnapshotLocation snapshot, string name, byte[] bytes) => Folder(snapshot)[name] = bytes;

    private static (string, string) Key(SnapshotLocation s) => (s.Set, s.Snapshot);

    private ConcurrentDictionary<string, byte[]> Folder(SnapshotLocation s) =>
        _snapshots.GetOrAdd(Key(s), _ => new ConcurrentDictionary<string, byte[]>());

    /// <summary>
    /// Buffers the bytes; they become the stored file on completion (replacing one of the same name, like a local directory).
    /// </summary>
    private sealed class Sink : IPartSink
    {
        private readonly ConcurrentDictionary<string, byte[]> _folder;
        private readonly string _name;
        private readonly MemoryStream _buffer = new();

        public Sink(ConcurrentDictionary<string, byte[]> folder, string name)
        {
            _folder = folder;
            _name = name;
        }

        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
        {
            _buffer.Write(data.Span);
            return ValueTask.CompletedTask;
        }

        public Task<StoredPartResult> CompleteAsync(CancellationToken ct)
        {
            var bytes = _buffer.ToArray();
            _folder[_name] = bytes;
            return Task.FromResult(new StoredPartResult(bytes.Length, null));
        }

        public ValueTask DisposeAsync() => _buffer.DisposeAsync();
    }
}
