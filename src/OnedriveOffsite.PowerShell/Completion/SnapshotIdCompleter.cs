using System.Collections;
using System.Globalization;
using System.Management.Automation;
using OnedriveOffsite.Engine.Completion;

namespace OnedriveOffsite.Completion;

/// <summary>
/// -SnapshotId: the snapshots of the -Name set (of every set when none is given yet), newest first; the list
/// shows each one's set, creation time and whether it is complete.
/// </summary>
public sealed class SnapshotIdCompleter : QuietCompleter
{
    protected override IEnumerable<CompletionResult> Complete(string wordToComplete, IDictionary fakeBoundParameters)
    {
        if (CompletionContext.TargetOf(fakeBoundParameters) is not { } target) return [];
        var word = CompletionContext.Word(wordToComplete);
        var set = CompletionContext.Text(fakeBoundParameters, "Name");
        return RepositoryListings.Shared.Snapshots(target, set)
            .Where(s => CompletionContext.Matches(s.SnapshotId, word))
            .Select(s => new CompletionResult(s.SnapshotId, ListItem(s, set is null), CompletionResultType.ParameterValue, ToolTip(s)))
            .ToList();
    }

    private static string ListItem(SnapshotEntry s, bool withSet) =>
        (withSet ? s.Set + "/" : "") + s.SnapshotId + (s.Complete ? "" : " (incomplete)");

    private static string ToolTip(SnapshotEntry s) =>
        $"{s.Set}: created {s.CreatedUtc.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}, {(s.Complete ? "complete" : "incomplete")}";
}
