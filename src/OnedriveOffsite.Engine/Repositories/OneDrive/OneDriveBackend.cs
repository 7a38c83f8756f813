using OnedriveOffsite.Engine.Legacy;

namespace OnedriveOffsite.Engine.Repositories.OneDrive;

/// <summary><c>onedrive:</c> and <c>onedrive:/sub/path</c>: a repository in OneDrive, which also holds legacy archives.</summary>
internal sealed class OneDriveBackend : IRepositoryBackend
{
    public const string Scheme = "onedrive";
    public const string Prefix = Scheme + ":";

    public ISnapshotRepository Open(RepositoryOpenRequest request) => OpenOneDrive(request);

    public ILegacyArchiveStore? OpenLegacyArchives(RepositoryOpenRequest request) => OpenOneDrive(request);

    private static OneDriveRepository OpenOneDrive(RepositoryOpenRequest request) =>
        OneDriveRepository.Open(request.Home, request.Target, request.Observer,
            new OneDriveOptions { FragmentSize = request.FragmentSize ?? OneDriveOptions.DefaultFragmentSize, Limits = request.Limits
                ?? IO.TransferLimits.None });
}
