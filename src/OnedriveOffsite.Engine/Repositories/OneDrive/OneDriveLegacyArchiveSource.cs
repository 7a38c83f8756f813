using OnedriveOffsite.Engine.Legacy;

namespace OnedriveOffsite.Engine.Repositories.OneDrive;

/// <summary>
/// A OneDrive folder holding the archives of a backup of the old service: the listing covers every page and
/// carries Graph's exact sizes; archives are read with the same resuming download stream as parts.
/// </summary>
internal sealed class OneDriveLegacyArchiveSource : ILegacyArchiveSource
{
    private readonly OneDriveContext _ctx;
    private readonly string _folder;

    public OneDriveLegacyArchiveSource(OneDriveContext ctx, string folder, string description)
    {
        _ctx = ctx;
        _folder = folder;
        Description = description;
    }

    public string Description { get; }

    public async Task<IReadOnlyList<LegacyArchiveInfo>> ListArchivesAsync(CancellationToken ct)
    {
        var children = await _ctx.Drive.ListChildrenAsync(_folder, ct).ConfigureAwait(false)
            ?? throw LegacyErrors.BackupNotFound(Description);
        return children.Where(c => !c.IsFolder).Select(c => new LegacyArchiveInfo(c.Name, c.Size, c.LastModified)).ToList();
    }

    public async Task<Stream> OpenArchiveAsync(LegacyArchiveInfo archive, CancellationToken ct) =>
        await _ctx.OpenDownloadAsync(GraphDrive.Join(_folder, archive.Name), ct).ConfigureAwait(false)
            ?? throw GraphErrors.NotFound(archive.Name, Description);
}
