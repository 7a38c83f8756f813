using System.Management.Automation;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Infrastructure;

/// <summary>Opens the repository a -Repository value names; local paths go through the PowerShell provider (~, relative, PSDrives).</summary>
internal static class RepositoryParameter
{
    public static ISnapshotRepository Open(PSCmdlet cmdlet, string? value)
    {
        if (RepositoryLocator.IsOneDrive(value)) throw RepositoryLocator.OneDriveUnavailable(value);
        return RepositoryLocator.OpenLocal(cmdlet.GetUnresolvedProviderPathFromPSPath(value));
    }
}
