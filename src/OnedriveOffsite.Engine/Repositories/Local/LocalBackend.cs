using OnedriveOffsite.Engine.Legacy;

namespace OnedriveOffsite.Engine.Repositories.Local;

/// <summary>Plain paths: a repository in a local directory, and legacy archives copied into one.</summary>
internal sealed class LocalBackend : IRepositoryBackend
{
    public ISnapshotRepository Open(RepositoryOpenRequest request) => new LocalRepository(request.Target, request.Limits);

    public ILegacyArchiveStore? OpenLegacyArchives(RepositoryOpenRequest request) => new LocalLegacyArchiveStore(request.Target);
}
