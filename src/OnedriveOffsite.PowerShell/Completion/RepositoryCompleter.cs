using System.Collections;
using System.Management.Automation;
using OnedriveOffsite.Engine.Completion;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Completion;

/// <summary>
/// -Repository: <c>onedrive:</c>, the folders below it (<c>onedrive:/sub/path</c>, listed from OneDrive with the
/// stored sign-in, cached), and local directories (the shell's own path completion, directories only).
/// </summary>
public sealed class RepositoryCompleter : QuietCompleter
{
    protected override IEnumerable<CompletionResult> Complete(string wordToComplete, IDictionary fakeBoundParameters)
    {
        var word = CompletionContext.Word(wordToComplete);
        if (!RepositoryRegistry.IsPath(word)) return OneDriveFolders(word, fakeBoundParameters);
        var results = new List<CompletionResult>();
        if (CompletionContext.Matches(RepositoryRegistry.DefaultRepository, word))
            results.Add(new CompletionResult(RepositoryRegistry.DefaultRepository, RepositoryRegistry.DefaultRepository,
                CompletionResultType.ParameterValue, "OneDrive: the app folder, or the drive folder Set-OffsiteApp configured"));
        results.AddRange(CompletionCompleters.CompleteFilename(wordToComplete)
            .Where(r => r.ResultType == CompletionResultType.ProviderContainer));
        return results;
    }

    /// <summary>onedrive:/a/b… → the folders in onedrive:/a whose names start with b.</summary>
    private static List<CompletionResult> OneDriveFolders(string word, IDictionary fakeBoundParameters)
    {
        var prefix = RepositoryRegistry.DefaultRepository;
        if (!word.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return [];
        var path = word[prefix.Length..].TrimStart('/');
        var slash = path.LastIndexOf('/');
        var parent = slash < 0 ? "" : path[..slash];
        var partial = slash < 0 ? path : path[(slash + 1)..];
        if (CompletionContext.TargetOf(fakeBoundParameters) is not { } target) return [];
        var parentSpec = prefix + (parent.Length == 0 ? "" : "/" + parent);
        var results = new List<CompletionResult>();
        if (path.Length == 0)
            results.Add(new CompletionResult(prefix, prefix, CompletionResultType.ParameterValue, "OneDrive: the app folder, or the drive folder Set-OffsiteApp configured"));
        foreach (var folder in RepositoryListings.Shared.Sets(target with { Repository = parentSpec }).Where(f => CompletionContext.Matches(f, partial)))
        {
            var spec = $"{prefix}/{(parent.Length == 0 ? "" : parent + "/")}{folder}";
            results.Add(new CompletionResult(CompletionContext.Quote(spec), spec, CompletionResultType.ParameterValue, $"The OneDrive folder {spec}"));
        }
        return results;
    }
}
