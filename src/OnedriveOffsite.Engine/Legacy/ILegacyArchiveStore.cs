namespace OnedriveOffsite.Engine.Legacy;

/// <summary>
/// A place holding folders of the old service's archives, one folder per backup (a repository capability: the
/// OneDrive app folder, or a local directory of downloaded copies).
/// </summary>
public interface ILegacyArchiveStore
{
    Task<IReadOnlyList<LegacyBackupInfo>> ListLegacyBackupsAsync(CancellationToken ct);

    /// <summary>The archives of the backup in <paramref name="folder"/>.</summary>
    ILegacyArchiveSource OpenLegacyArchiveSource(string folder);
}
