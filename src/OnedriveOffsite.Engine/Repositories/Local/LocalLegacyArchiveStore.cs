using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Legacy;

namespace OnedriveOffsite.Engine.Repositories.Local;

/// <summary>A local directory holding folders of the old service's archives (for example downloaded by hand).</summary>
internal sealed class LocalLegacyArchiveStore : ILegacyArchiveStore
{
    private readonly string _root;

    public LocalLegacyArchiveStore(string root) => _root = root;

    public Task<IReadOnlyList<LegacyBackupInfo>> ListLegacyBackupsAsync(CancellationToken ct) =>
        Task.FromResult(LegacyBackupLister.ListLocal(_root));

    public ILegacyArchiveSource OpenLegacyArchiveSource(string folder)
    {
        if (!Directory.Exists(_root)) throw LocalRepository.NotFound(_root);
        return new LocalLegacyArchiveSource(Path.Combine(_root, folder));
    }
}
