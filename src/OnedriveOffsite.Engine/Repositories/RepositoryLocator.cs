using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories.Local;
using OnedriveOffsite.Engine.Repositories.OneDrive;

namespace OnedriveOffsite.Engine.Repositories;

/// <summary>
/// Turns a -Repository value into a repository: <c>onedrive:</c> or <c>onedrive:/sub/path</c> (also the default when
/// none is given) for OneDrive, anything else a local directory (already resolved to a full path by the cmdlet layer).
/// </summary>
public static class RepositoryLocator
{
    public const string OneDrivePrefix = "onedrive:";

    public static bool IsOneDrive(string? spec) => spec is null || spec.StartsWith(OneDrivePrefix, StringComparison.OrdinalIgnoreCase);

    /// <param name="observer">Receives retry narration for the repository's whole life (OneDrive).</param>
    /// <param name="fragmentSize">OneDrive upload fragment size in bytes (null: 10 MiB); ignored for local directories.</param>
    public static ISnapshotRepository Open(ConfigHome home, string target, IOperationObserver observer, int? fragmentSize = null) =>
        IsOneDrive(target)
            ? OneDriveRepository.Open(home, target, observer, fragmentSize is { } size ? new OneDriveOptions { FragmentSize = size } : null)
            : new LocalRepository(target);
}
