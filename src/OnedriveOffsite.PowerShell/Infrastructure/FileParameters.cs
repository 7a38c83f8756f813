using System.Management.Automation;
using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Infrastructure;

/// <summary>
/// -Path (wildcards) and -LiteralPath resolution in the style of Get-FileHash: through the provider, file system
/// only; a path that matches nothing is reported as SourceNotFound.
/// </summary>
internal static class FileParameters
{
    public static IEnumerable<string> Resolve(PSCmdlet cmdlet, string[]? paths, bool literal, Action<ErrorRecord> writeError)
    {
        foreach (var path in paths ?? Array.Empty<string>())
        {
            List<string> resolved;
            try
            {
                if (literal)
                {
                    resolved = new List<string> { cmdlet.GetUnresolvedProviderPathFromPSPath(path) };
                }
                else
                {
                    resolved = cmdlet.GetResolvedProviderPathFromPSPath(path, out var provider).ToList();
                    // A wildcard that matches nothing resolves to an empty list rather than failing.
                    if (provider.Name != "FileSystem" || resolved.Count == 0) throw new ItemNotFoundException(path);
                }
            }
            catch (Exception ex) when (ex is ItemNotFoundException or System.Management.Automation.DriveNotFoundException
                or ProviderNotFoundException)
            {
                writeError(ErrorRecords.From(new OffsiteException(ErrorIds.Backup.SourceNotFound, OffsiteErrorCategory.ObjectNotFound,
                    $"The source file '{path}' does not exist.", path), path));
                continue;
            }
            foreach (var file in resolved) yield return file;
        }
    }
}
