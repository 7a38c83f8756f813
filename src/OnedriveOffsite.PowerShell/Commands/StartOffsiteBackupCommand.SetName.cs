using System.Management.Automation;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Format;

namespace OnedriveOffsite.Commands;

/// <summary>
/// -Name as text (one set for every file) or as a script block evaluated per file with the file as $_, so one
/// command backs up several VMs' dumps into their own sets:
/// <c>Get-ChildItem /dump/*.vma.zst | Start-OffsiteBackup -Name { 'pve-' + ($_.Name -split '-')[2] }</c>.
/// -Name takes no pipeline input at all, so a piped file's own Name property can never become the set. Each
/// resolved name is validated and locked like a name given as text (the engine does both per backup).
/// </summary>
public sealed partial class StartOffsiteBackupCommand
{
    /// <summary>The set of the file (or stream) being backed up now.</summary>
    private string Set { get; set; } = "";

    /// <summary>-Name without a PSObject wrapper (a script block passed in a variable may arrive wrapped).</summary>
    private object NameValue => Name is PSObject ps ? ps.BaseObject : Name;

    /// <summary>-Name as text (not a script block).</summary>
    private string NameText => LanguagePrimitives.ConvertTo<string>(NameValue) ?? "";

    /// <summary>How messages name the set(s) before a file is known.</summary>
    private string NameLabel => NameValue is ScriptBlock ? "the sets named by the -Name script block" : $"set '{NameText}'";

    /// <summary>The name a notification carries when no file's set is known.</summary>
    private string ReportName => NameValue is ScriptBlock ? "(-Name script block)" : NameText;

    /// <summary>The set of <paramref name="file"/>: -Name as text, or what the -Name script block returns for it. Throws InvalidSetName.</summary>
    private string SetNameFor(string file)
    {
        if (NameValue is not ScriptBlock script) return SetName.Validate(NameText);
        System.Collections.ObjectModel.Collection<PSObject> results;
        try
        {
            results = script.InvokeWithContext(null, new List<PSVariable> { new("_", new FileInfo(file)) });
        }
        catch (RuntimeException ex)
        {
            throw new OffsiteException(ErrorIds.Snapshots.InvalidSetName, OffsiteErrorCategory.InvalidArgument,
                $"The -Name script block failed for '{file}': {ex.Message} Nothing was backed up for this file.", file, ex);
        }
        var names = results.Where(r => r?.BaseObject is not null).Select(r => LanguagePrimitives.ConvertTo<string>(r.BaseObject) ?? "").ToList();
        if (names.Count != 1)
            throw new OffsiteException(ErrorIds.Snapshots.InvalidSetName, OffsiteErrorCategory.InvalidArgument,
                $"The -Name script block returned {names.Count} values for '{file}'; it must return exactly one set name. Nothing was backed up for this file.", file);
        try
        {
            return SetName.Validate(names[0]);
        }
        catch (OffsiteException ex)
        {
            throw new OffsiteException(ex.ErrorId, ex.Category, $"The -Name script block named the set of '{file}': {ex.Message}", names[0], ex);
        }
    }

    private static OffsiteException ScriptBlockNeedsFiles() =>
        new(ErrorIds.Snapshots.InvalidSetName, OffsiteErrorCategory.InvalidArgument,
            "A -Name script block names the set of each file; -FromCommand and -InputStream back up one stream: give -Name as text.", null);
}
