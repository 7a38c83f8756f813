using System.Collections;
using System.Management.Automation;
using OnedriveOffsite.Engine.Completion;

namespace OnedriveOffsite.Completion;

/// <summary>-Name: the backup sets of the repository on the command line (see <see cref="RepositoryListings"/>).</summary>
public sealed class SetNameCompleter : QuietCompleter
{
    protected override IEnumerable<CompletionResult> Complete(string wordToComplete, IDictionary fakeBoundParameters)
    {
        // -Legacy names folders of the old service, not sets.
        if (fakeBoundParameters.Contains("Legacy") || CompletionContext.TargetOf(fakeBoundParameters) is not { } target) return [];
        var word = CompletionContext.Word(wordToComplete);
        return RepositoryListings.Shared.Sets(target)
            .Where(s => CompletionContext.Matches(s, word))
            .Select(s => new CompletionResult(CompletionContext.Quote(s), s, CompletionResultType.ParameterValue, $"Backup set {s} in {target.Repository}"))
            .ToList();
    }
}
