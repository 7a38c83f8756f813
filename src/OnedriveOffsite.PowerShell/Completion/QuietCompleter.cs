using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace OnedriveOffsite.Completion;

/// <summary>
/// The part every completer shares: Tab must never show an error or a stack, so anything a listing throws (no
/// sign-in, an unreachable OneDrive, a missing directory) means "no suggestions".
/// </summary>
public abstract class QuietCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            return Complete(wordToComplete ?? "", fakeBoundParameters);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return [];
        }
    }

    /// <summary>The suggestions for <paramref name="wordToComplete"/> (as typed, quotes included).</summary>
    protected abstract IEnumerable<CompletionResult> Complete(string wordToComplete, IDictionary fakeBoundParameters);
}
