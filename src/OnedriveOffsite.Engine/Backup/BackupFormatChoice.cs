using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Backup;

/// <summary>
/// Which format a new backup is written in (docs/DECISIONS.md "Format 2 is the default"). -Format when given; without
/// it format 2, except that a format 1 parameter (-PartSize, -Resume) means format 1, and so does an interrupted
/// format 1 backup of the same unchanged file that the run can continue (<see cref="ForFile"/>), so the change of
/// default strands no half-finished upload. -Format 2 with a format 1 parameter fails before anything runs.
/// </summary>
/// <param name="Format">1 (a full copy in parts) or 2 (deduplicated chunks in packs).</param>
/// <param name="Reason">Why, for -Verbose, when the format was neither asked for nor the default; else null.</param>
public sealed record BackupFormatChoice(int Format, string? Reason)
{
    /// <summary>The format of a backup that names none.</summary>
    public const int Default = 2;

    /// <summary>True when nothing decided the format yet: an interrupted format 1 run may still make it format 1.</summary>
    private bool IsDefault { get; init; }

    /// <summary>
    /// A format 1 resume journal of this file that the run found but cannot continue (the file or the settings changed):
    /// dropped by <see cref="DropStaleJournal"/>, as a format 1 run drops it, so listings stop showing its snapshot as
    /// Resumable.
    /// </summary>
    private ResumeJournal? StaleJournal { get; init; }

    /// <summary>
    /// The format the parameters decide: <paramref name="format"/> (-Format; null when not given), and whether -PartSize
    /// or -Resume was given. Throws FormatParameterConflict for -Format 2 with either of them.
    /// </summary>
    public static BackupFormatChoice FromParameters(int? format, bool partSize, bool resume)
    {
        var format1Parameters = new[] { partSize ? "-PartSize" : null, resume ? "-Resume" : null }.OfType<string>().ToList();
        if (format is 2 && format1Parameters.Count > 0)
        {
            var named = string.Join(" and ", format1Parameters);
            throw new OffsiteException(ErrorIds.Backup.FormatParameterConflict, OffsiteErrorCategory.InvalidArgument,
                $"-Format 2 cannot be combined with {named}: {(format1Parameters.Count > 1 ? "they belong" : "it belongs")} to " +
                "format 1 (a full copy in parts, continued after an interruption from its resume journal). Format 2 stores " +
                "deduplicated chunks in packs, and a rerun stores only the chunks an interrupted run did not. " +
                $"Leave out {named}, or use -Format 1. Nothing was backed up.", named);
        }
        if (format is { } asked) return new BackupFormatChoice(asked, null);
        if (format1Parameters.Count > 0)
            return new BackupFormatChoice(1, $"{string.Join(" and ", format1Parameters)} without -Format: this backup is format 1 " +
                $"(the format with parts and resume journals; backups without -Format are otherwise format {Default}).");
        return new BackupFormatChoice(Default, null) { IsDefault = true };
    }

    /// <summary>
    /// For a file: the default becomes format 1 when <paramref name="journal"/> holds an interrupted format 1 backup
    /// that this run would continue: the same source, unchanged in size and time, with the same compression and key
    /// (<see cref="ResumePlanner.Interrupted"/>, as <see cref="BackupOperation"/> decides). <paramref name="keyId"/> is
    /// asked for only when the journal exists.
    /// </summary>
    public BackupFormatChoice ForFile(BackupRequest request, ResumeJournal journal, Func<string> keyId)
    {
        if (!IsDefault || !File.Exists(journal.Path)) return this;
        var source = new FileInfo(request.SourcePath);
        var run = JournalState.ForSource(source.FullName, source.Length, source.LastWriteTimeUtc, request.Compression, keyId());
        if (ResumePlanner.Interrupted(journal, run, request.SegmentSize) is not { } interrupted)
            return this with { StaleJournal = journal };
        return new BackupFormatChoice(1, $"An interrupted format 1 backup of '{source.FullName}' into set '{request.SetName}' " +
            $"({interrupted.SnapshotFolder}) is continued in format 1; once it is complete, backups without -Format are format {Default}.");
    }

    /// <summary>
    /// Deletes the journal <see cref="ForFile"/> found but could not continue (call it once the run goes ahead, not under
    /// -WhatIf); returns what to say in -Verbose, or null when there was none. Its incomplete snapshot stays, listed as
    /// Incomplete, until retention removes it.
    /// </summary>
    public string? DropStaleJournal()
    {
        if (StaleJournal?.Load() is not { } stale) return null;
        StaleJournal.Delete();
        return $"The interrupted format 1 backup of '{stale.SourcePath}' ({stale.SnapshotFolder}) cannot be continued (the file or " +
            "the settings changed since): its resume journal was dropped, and the snapshot stays Incomplete until retention removes it.";
    }
}
