using OnedriveOffsite.Engine.Legacy;

namespace OnedriveOffsite.Engine.Repositories.Local;

/// <summary>A local folder holding archives of the old service (for example downloaded by hand from OneDrive).</summary>
public sealed class LocalLegacyArchiveSource : ILegacyArchiveSource
{
    private readonly string _folder;

    public LocalLegacyArchiveSource(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        _folder = Path.GetFullPath(folder);
    }

    public string Description => $"the folder '{_folder}'";

    public Task<IReadOnlyList<LegacyArchiveInfo>> ListArchivesAsync(CancellationToken ct)
    {
        if (!Directory.Exists(_folder)) throw LegacyErrors.BackupNotFound(Description);
        IReadOnlyList<LegacyArchiveInfo> list = new DirectoryInfo(_folder).EnumerateFiles()
            .Select(f => new LegacyArchiveInfo(f.Name, f.Length, new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero)))
            .ToList();
        return Task.FromResult(list);
    }

    public Task<Stream> OpenArchiveAsync(LegacyArchiveInfo archive, CancellationToken ct)
    {
        // The name comes from our own listing, but never let a caller's name escape the folder.
        if (Path.GetFileName(archive.Name) != archive.Name || archive.Name is "." or "..")
            throw new ArgumentException($"'{archive.Name}' is not a file name.", nameof(archive));
        Stream stream = new FileStream(Path.Combine(_folder, archive.Name), FileMode.Open, FileAccess.Read, FileShare.Read,
            bufferSize: 1 << 16, FileOptions.SequentialScan);
        return Task.FromResult(stream);
    }
}
