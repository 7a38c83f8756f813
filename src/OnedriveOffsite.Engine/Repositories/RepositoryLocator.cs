using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Repositories;

/// <summary>
/// Turns a -Repository value into a repository: <c>onedrive:</c> or <c>onedrive:/sub/path</c> for OneDrive,
/// anything else is a local directory (already resolved to a full path by the cmdlet layer).
/// </summary>
public static class RepositoryLocator
{
    public const string OneDrivePrefix = "onedrive:";

    public static bool IsOneDrive(string? spec) => spec is null || spec.StartsWith(OneDrivePrefix, StringComparison.OrdinalIgnoreCase);

    public static ISnapshotRepository OpenLocal(string directory) => new LocalRepository(directory);

    public static OffsiteException OneDriveUnavailable(string? spec) => new("RepositoryNotSupported", OffsiteErrorCategory.NotImplemented,
        $"The OneDrive repository ('{spec ?? OneDrivePrefix}') is not available in this version yet; give -Repository a local directory.", spec);
}
