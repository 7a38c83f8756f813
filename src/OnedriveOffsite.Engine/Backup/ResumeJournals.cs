using OnedriveOffsite.Engine.Config;

namespace OnedriveOffsite.Engine.Backup;

/// <summary>
/// The resume journals of a config home as a whole (<see cref="ResumeJournal"/> is one of them): which incomplete
/// snapshot each would continue, so that listings show those as Resumable and removing a snapshot clears its journal.
/// A journal names its snapshot folder, whose time and random id make it unique across sets and repositories.
/// </summary>
public static class ResumeJournals
{
    /// <summary>Snapshot folder → journal file, for every readable journal of <paramref name="home"/>.</summary>
    public static IReadOnlyDictionary<string, string> BySnapshotFolder(ConfigHome home)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(home.JournalDirectory)) return result;
        foreach (var path in Directory.EnumerateFiles(home.JournalDirectory, "*.json"))
        {
            var state = ResumeJournal.At(path).Load();
            if (state is not null && state.SnapshotFolder.Length > 0) result.TryAdd(state.SnapshotFolder, path);
        }
        return result;
    }

    /// <summary>Deletes the journals that would continue <paramref name="snapshotFolder"/>; returns how many.</summary>
    public static int DeleteFor(ConfigHome home, string snapshotFolder)
    {
        var deleted = 0;
        foreach (var (folder, path) in BySnapshotFolder(home))
        {
            if (folder != snapshotFolder) continue;
            ResumeJournal.At(path).Delete();
            deleted++;
        }
        return deleted;
    }
}
