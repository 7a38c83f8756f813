using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Repositories.Local;

/// <summary>
/// A repository in a local directory (NAS mount, USB disk): &lt;root&gt;/&lt;set&gt;/&lt;snapshot&gt;/files. Files are
/// written under a unique ".partial" name and published under their final name only if that name is free (never
/// replacing a file); the manifest is published last.
/// </summary>
public sealed class LocalRepository : ISnapshotRepository
{
    private const string PartialSuffix = ExclusiveFile.PartialSuffix;

    private readonly IO.TransferLimits _limits;

    /// <param name="limits">Bandwidth limits for writing (upload) and reading (download) stored files; null: none.</param>
    public LocalRepository(string root, IO.TransferLimits? limits = null)
    {
        _limits = limits ?? IO.TransferLimits.None;
        Root = Path.GetFullPath(root);
        if (!Directory.Exists(Root)) throw NotFound(Root);
    }

    /// <summary>RepositoryNotFound for a root that is not a directory: says whether it is a file or missing.</summary>
    internal static OffsiteException NotFound(string root) =>
        new(ErrorIds.Snapshots.RepositoryNotFound, OffsiteErrorCategory.ObjectNotFound, File.Exists(root)
            ? $"The repository '{root}' is a file, not a directory. Give the directory that holds the backup sets."
            : $"The repository directory '{root}' does not exist. Create it first (repositories are never created implicitly, so a typo or an unmounted disk is noticed).", root);

    public string Root { get; }

    public string Description => Root;

    public Task<IReadOnlyList<string>> ListSetsAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<string>>(Directory.EnumerateDirectories(Root)
            .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList());

    public Task<IReadOnlyList<StoredSnapshotFolder>> ListSnapshotsAsync(string set, CancellationToken ct)
    {
        var setDir = Path.Combine(Root, set);
        if (!Directory.Exists(setDir)) return Task.FromResult<IReadOnlyList<StoredSnapshotFolder>>(Array.Empty<StoredSnapshotFolder>());
        var result = new List<StoredSnapshotFolder>();
        foreach (var dir in Directory.EnumerateDirectories(setDir).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(dir);
            if (!SnapshotFiles.TryParseSnapshotFolder(name, out _)) continue;
            var files = new DirectoryInfo(dir).EnumerateFiles()
                .Where(f => !f.Name.EndsWith(PartialSuffix, StringComparison.Ordinal))
                .Select(f => new StoredFile(f.Name, f.Length, null)).ToList();
            result.Add(new StoredSnapshotFolder(new SnapshotLocation(set, name), files.Any(f => f.Name == SnapshotFiles.ManifestName), files));
        }
        return Task.FromResult<IReadOnlyList<StoredSnapshotFolder>>(result);
    }

    public Task<IReadOnlyList<StoredFile>> ListFilesAsync(SnapshotLocation folder, CancellationToken ct)
    {
        var dir = SnapshotDirectory(folder);
        IReadOnlyList<StoredFile> files = !Directory.Exists(dir) ? Array.Empty<StoredFile>() : new DirectoryInfo(dir).EnumerateFiles()
            .Where(f => !f.Name.EndsWith(PartialSuffix, StringComparison.Ordinal))
            .Select(f => new StoredFile(f.Name, f.Length, null)).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        return Task.FromResult(files);
    }

    public Task<IPartSink> CreateFileAsync(SnapshotLocation snapshot, string name, long? knownLength, CancellationToken ct)
    {
        var dir = SnapshotDirectory(snapshot);
        Directory.CreateDirectory(dir);
        IPartSink sink = new LocalFileSink(Path.Combine(dir, name));
        return Task.FromResult(_limits.Upload is { } limit ? new IO.RateLimitedPartSink(sink, limit) : sink);
    }

    public Task<Stream> OpenReadAsync(SnapshotLocation snapshot, string name, CancellationToken ct)
    {
        var path = Path.Combine(SnapshotDirectory(snapshot), name);
        if (!File.Exists(path))
            throw new OffsiteException(ErrorIds.Snapshots.PartMissing, OffsiteErrorCategory.ObjectNotFound,
                $"Stored {name} of snapshot {snapshot.Set}/{snapshot.Snapshot} is missing from the repository.", name);
        Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
        return Task.FromResult(_limits.Download is { } limit ? new IO.RateLimitedReadStream(stream, limit) : stream);
    }

    public async Task WriteManifestAsync(SnapshotLocation snapshot, byte[] manifest, CancellationToken ct)
    {
        var dir = SnapshotDirectory(snapshot);
        var final = Path.Combine(dir, SnapshotFiles.ManifestName);
        if (!ExclusiveFile.TryPublish(final, manifest))
            throw new OffsiteException(ErrorIds.OneDrive.StoredFileExists, OffsiteErrorCategory.ResourceExists,
                $"Snapshot {snapshot.Set}/{snapshot.Snapshot} already has a manifest; a snapshot never replaces anything.", final);
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public async Task<byte[]?> ReadManifestAsync(SnapshotLocation snapshot, CancellationToken ct)
    {
        var path = Path.Combine(SnapshotDirectory(snapshot), SnapshotFiles.ManifestName);
        var info = new FileInfo(path);
        if (!info.Exists) return null;
        if (info.Length > Format.ManifestCodec.MaxSize) throw Format.ManifestCodec.TooLarge($"The manifest of snapshot {snapshot.Set}/{snapshot.Snapshot}", info.Length);
        return await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
    }

    public Task DeleteFileAsync(SnapshotLocation snapshot, string name, CancellationToken ct)
    {
        File.Delete(Path.Combine(SnapshotDirectory(snapshot), name));
        return Task.CompletedTask;
    }

    public Task DeleteSnapshotAsync(SnapshotLocation snapshot, CancellationToken ct)
    {
        var dir = SnapshotDirectory(snapshot);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        return Task.CompletedTask;
    }

    public Task<bool> TryCreateLockAsync(string? scope, byte[] content, CancellationToken ct)
    {
        var final = LockPath(scope);
        for (var attempt = 1; ; attempt++)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            try
            {
                var won = ExclusiveFile.TryPublish(final, content);
                if (won && scope is not null) RemoveLeftoverPartials(Path.GetDirectoryName(final)!);
                return Task.FromResult(won);
            }
            catch (DirectoryNotFoundException) when (attempt < 5) { } // the empty set folder was removed by a release in between
        }
    }

    /// <summary>
    /// Temporary files in the set's snapshot folders that a killed run left (only the lock holder writes there, so
    /// with the lock just taken none belongs to a live run). Ciphertext only, but they must not pile up.
    /// </summary>
    private static void RemoveLeftoverPartials(string setDirectory)
    {
        foreach (var snapshot in Directory.EnumerateDirectories(setDirectory))
            foreach (var leftover in Directory.EnumerateFiles(snapshot, "*" + PartialSuffix))
            {
                try { File.Delete(leftover); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
    }

    public async Task<byte[]?> ReadLockAsync(string? scope, CancellationToken ct)
    {
        try { return await File.ReadAllBytesAsync(LockPath(scope), ct).ConfigureAwait(false); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    public async Task<bool> ReplaceLockAsync(string? scope, byte[] expected, byte[] content, CancellationToken ct)
    {
        var final = LockPath(scope);
        if (await ReadLockAsync(scope, ct).ConfigureAwait(false) is not { } current || !current.AsSpan().SequenceEqual(expected)) return false;
        var temp = ExclusiveFile.WriteTemp(final, content);
        File.Move(temp, final, overwrite: true); // rename: readers see the old or the new content, never a mix
        return true;
    }

    public async Task<bool> DeleteLockAsync(string? scope, byte[] expected, CancellationToken ct)
    {
        if (await ReadLockAsync(scope, ct).ConfigureAwait(false) is not { } current || !current.AsSpan().SequenceEqual(expected)) return false;
        File.Delete(LockPath(scope));
        // A run that stored nothing (refused, failed early) leaves no empty set folder behind.
        if (scope is not null)
        {
            try { Directory.Delete(Path.Combine(Root, scope)); }
            catch (IOException) { } // not empty: it holds snapshots (or another run's new lock)
        }
        return true;
    }

    private string LockPath(string? scope) =>
        scope is null ? Path.Combine(Root, SnapshotFiles.LockName) : Path.Combine(Root, scope, SnapshotFiles.LockName);

    private string SnapshotDirectory(SnapshotLocation s) => Path.Combine(Root, s.Set, s.Snapshot);
}
