using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Repositories.Local;

/// <summary>
/// A repository in a local directory (NAS mount, USB disk): &lt;root&gt;/&lt;set&gt;/&lt;snapshot&gt;/files. Files are
/// written under a ".partial" name and renamed when complete; the manifest is renamed into place last.
/// </summary>
public sealed class LocalRepository : ISnapshotRepository
{
    private const string PartialSuffix = ".partial";

    public LocalRepository(string root)
    {
        Root = Path.GetFullPath(root);
        if (!Directory.Exists(Root))
            throw new OffsiteException("RepositoryNotFound", OffsiteErrorCategory.ObjectNotFound,
                $"The repository directory '{Root}' does not exist. Create it first (repositories are never created implicitly, so a typo or an unmounted disk is noticed).", Root);
    }

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
        return Task.FromResult<IPartSink>(new LocalFileSink(Path.Combine(dir, name), PartialSuffix));
    }

    public Task<Stream> OpenReadAsync(SnapshotLocation snapshot, string name, CancellationToken ct)
    {
        var path = Path.Combine(SnapshotDirectory(snapshot), name);
        if (!File.Exists(path))
            throw new OffsiteException("PartMissing", OffsiteErrorCategory.ObjectNotFound,
                $"Stored {name} of snapshot {snapshot.Set}/{snapshot.Snapshot} is missing from the repository.", name);
        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous));
    }

    public async Task WriteManifestAsync(SnapshotLocation snapshot, byte[] manifest, CancellationToken ct)
    {
        var dir = SnapshotDirectory(snapshot);
        var final = Path.Combine(dir, SnapshotFiles.ManifestName);
        var temp = final + PartialSuffix;
        await File.WriteAllBytesAsync(temp, manifest, ct).ConfigureAwait(false);
        using (var fs = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite)) fs.Flush(flushToDisk: true);
        File.Move(temp, final, overwrite: false);
    }

    public async Task<byte[]?> ReadManifestAsync(SnapshotLocation snapshot, CancellationToken ct)
    {
        var path = Path.Combine(SnapshotDirectory(snapshot), SnapshotFiles.ManifestName);
        return File.Exists(path) ? await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false) : null;
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

    private string SnapshotDirectory(SnapshotLocation s) => Path.Combine(Root, s.Set, s.Snapshot);
}
