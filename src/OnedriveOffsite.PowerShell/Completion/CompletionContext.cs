using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using OnedriveOffsite.Engine.Completion;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Completion;

/// <summary>
/// What the module's argument completers share: the repository and config home the command line names so far
/// (-Repository, -ConfigPath, else the defaults), prefix matching and quoting. Nothing here throws: a completer
/// that fails completes nothing.
/// </summary>
internal static class CompletionContext
{
    /// <summary>The listing target of the command line being completed; null when it cannot be worked out.</summary>
    public static RepositoryListings.Target? TargetOf(IDictionary fakeBoundParameters)
    {
        try
        {
            var configPath = Text(fakeBoundParameters, "ConfigPath");
            var home = ConfigHome.Resolve(configPath is null ? null : ProviderPath(configPath));
            var repository = Text(fakeBoundParameters, "Repository");
            var target = RepositoryRegistry.IsPath(repository) && repository is not null ? ProviderPath(repository) : repository ?? RepositoryRegistry.DefaultRepository;
            return new RepositoryListings.Target(home, target);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>A bound parameter's value as text, or null (absent, or not a constant the shell could evaluate).</summary>
    public static string? Text(IDictionary fakeBoundParameters, string name)
    {
        var value = fakeBoundParameters.Contains(name) ? fakeBoundParameters[name] : null;
        if (value is PSObject ps) value = ps.BaseObject;
        return value is string s && s.Length > 0 ? s : null;
    }

    /// <summary>The typed word without its opening quote (completion replaces the whole token).</summary>
    public static string Word(string? wordToComplete) => (wordToComplete ?? "").Trim('\'', '"');

    public static bool Matches(string candidate, string word) => candidate.StartsWith(word, StringComparison.OrdinalIgnoreCase);

    /// <summary>The value as it must be typed: single-quoted when it holds anything the parser would read otherwise.</summary>
    public static string Quote(string value) =>
        value.Length > 0 && value.All(c => char.IsLetterOrDigit(c) || c is '.' or '_' or '-' or '/' or ':' or '\\' or '~')
            ? value
            : "'" + value.Replace("'", "''") + "'";

    /// <summary>
    /// A path as the file system sees it: ~ expanded, relative to the shell's current file system location. A
    /// completer runs inside the completion pipeline, so the location is asked for through a nested pipeline (the
    /// runspace's SessionStateProxy refuses calls while a pipeline runs).
    /// </summary>
    private static string ProviderPath(string path)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (path == "~") return home;
        if (path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal)) path = Path.Combine(home, path[2..]);
        return Path.IsPathFullyQualified(path) ? Path.GetFullPath(path) : Path.GetFullPath(path, CurrentDirectory());
    }

    private static string CurrentDirectory()
    {
        try
        {
            using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
            shell.AddCommand("Microsoft.PowerShell.Management\\Get-Location").AddParameter("PSProvider", "FileSystem");
            if (shell.Invoke().FirstOrDefault()?.BaseObject is PathInfo location) return location.ProviderPath;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // no runspace (an API host): the process's own current directory below
        }
        return Environment.CurrentDirectory;
    }
}
