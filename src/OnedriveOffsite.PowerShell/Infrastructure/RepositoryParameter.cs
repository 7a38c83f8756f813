using System.Management.Automation;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Infrastructure;

/// <summary>
/// -Repository values: <c>onedrive:</c>/<c>onedrive:/sub/path</c> as given (the default when none is given), local
/// paths resolved through the PowerShell provider (~, relative paths, PSDrives), on the pipeline thread.
/// </summary>
internal static class RepositoryParameter
{
    public static string Resolve(PSCmdlet cmdlet, string? value) =>
        RepositoryRegistry.IsPath(value) ? cmdlet.GetUnresolvedProviderPathFromPSPath(value) : value
            ?? RepositoryRegistry.DefaultRepository;
}
