namespace OnedriveOffsite.Engine.Legacy;

/// <summary>A folder holding a backup of the old service.</summary>
public sealed record LegacyBackupInfo(string Name, int ArchiveCount, long StoredSize, DateTimeOffset? LastModified);

/// <summary>Finds backups of the old service in a local copy of its OneDrive app folder.</summary>
public static class LegacyBackupLister
{
    /// <summary>
    /// Every direct subfolder of <paramref name="root"/> that holds '&lt;counter&gt;_&lt;base&gt;' archives, by name.
    /// Counts what is there without judging it: gaps or mixed backups are reported by the restore.
    /// </summary>
    public static IReadOnlyList<LegacyBackupInfo> ListLocal(string root)
    {
        var full = Path.GetFullPath(root);
        if (!Directory.Exists(full)) throw LegacyErrors.BackupNotFound($"the folder '{full}'");
        var result = new List<LegacyBackupInfo>();
        foreach (var dir in new DirectoryInfo(full).EnumerateDirectories().OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            var archives = dir.EnumerateFiles().Where(f => LegacyArchiveSet.TryParseName(f.Name, out _, out _)).ToList();
            if (archives.Count == 0) continue;
            result.Add(new LegacyBackupInfo(dir.Name, archives.Count, archives.Sum(f => f.Length),
                new DateTimeOffset(archives.Max(f => f.LastWriteTimeUtc), TimeSpan.Zero)));
        }
        return result;
    }
}
