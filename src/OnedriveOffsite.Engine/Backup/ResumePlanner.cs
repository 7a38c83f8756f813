using System.Globalization;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Backup;

/// <summary>
/// Decides whether a backup continues an interrupted snapshot: only when the journal describes the very same source
/// (path, size, modification time) with the same settings and key, and only the parts that the repository still
/// holds at their recorded size (and that have a recorded source checksum) are candidates for reuse: the backup then
/// proves each against the source as it reads it now, since a file can change with the same size and time (cp -p,
/// rsync -t, coarse FAT/SMB times). Everything else is stored again, with fresh salts (so no nonce is ever reused).
/// A source that visibly changed starts a new snapshot; the interrupted one stays listed as incomplete.
/// </summary>
internal static class ResumePlanner
{
    /// <summary>
    /// The journal of an interrupted run of the same source, compression, key and segment size, whatever its part
    /// size: a run that did not ask for a part size adopts that one and continues it.
    /// </summary>
    public static JournalState? Interrupted(ResumeJournal? journal, JournalState run, int segmentSize) =>
        journal?.Load() is { } previous && previous.MatchesSource(run)
            && previous.SegmentSize == (int)Math.Min(segmentSize, previous.PartSize)
            ? previous : null;

    public static async Task<(JournalState State, Dictionary<int, BackedUpPart> Done)> PlanAsync(
        ResumeJournal? journal, JournalState fresh, ISnapshotRepository repository, string set, bool requireResume,
        IOperationObserver observer, CancellationToken ct)
    {
        var done = new Dictionary<int, BackedUpPart>();
        var previous = journal?.Load();
        if (previous is not null && !previous.Matches(fresh))
        {
            observer.Verbose($"An interrupted backup of '{previous.SourcePath}' ({previous.SnapshotFolder}) does not match " +
                "this run (the source or the settings changed): starting a new snapshot.");
            journal!.Delete();
            previous = null;
        }
        if (previous is not null)
        {
            var folder = (await repository.ListSnapshotsAsync(set, ct).ConfigureAwait(false))
                .FirstOrDefault(f => f.Location.Snapshot == previous.SnapshotFolder);
            if (folder is { HasManifest: false })
            {
                var stored = folder.Files.ToDictionary(f => f.Name, f => f.Length);
                foreach (var entry in previous.Parts)
                {
                    if (!stored.TryGetValue(entry.File, out var length) || length != entry.StoredLength) continue;
                    UInt128? checksum = previous.SourceChecksums.TryGetValue(entry.Index, out var hex)
                        && UInt128.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value) ? value : null;
                    var prefix = previous.SourcePrefixSha256.GetValueOrDefault(entry.Index);
                    if (checksum is not null || prefix is not null) done[entry.Index] = new BackedUpPart(entry, checksum, prefix);
                }
                // A part the interrupted run stored but did not record yet (killed between the two) cannot be trusted
                // or reused without its recorded salt and hash: remove it so it is stored again (never overwritten).
                foreach (var orphan in folder.Files.Where(f => f.Name.EndsWith(SnapshotFiles.PartExtension, StringComparison.Ordinal)
                             && !done.Values.Any(e => e.Entry.File == f.Name)))
                {
                    observer.Verbose($"{orphan.Name} was stored but not recorded before the interruption: it will be stored again.");
                    await repository.DeleteFileAsync(folder.Location, orphan.Name, ct).ConfigureAwait(false);
                }
                previous.Parts = done.Values.Select(p => p.Entry).OrderBy(e => e.Index).ToList();
                previous.SourceChecksums = previous.SourceChecksums.Where(kv => done.ContainsKey(kv.Key)).ToDictionary();
                previous.SourcePrefixSha256 = previous.SourcePrefixSha256.Where(kv => done.ContainsKey(kv.Key)).ToDictionary();
                journal!.Save(previous);
                observer.Verbose($"Resuming snapshot {set}/{previous.SnapshotFolder}: {done.Count} part(s) already stored " +
                    "(each is checked against the source as it is read now).");
                return (previous, done);
            }
            journal!.Delete();
        }
        if (requireResume)
            throw new OffsiteException(ErrorIds.Backup.NothingToResume, OffsiteErrorCategory.ObjectNotFound,
                $"There is no interrupted backup of '{fresh.SourcePath}' into set '{set}' to resume.", fresh.SourcePath);
        journal?.Save(fresh);
        return (fresh, done);
    }
}
