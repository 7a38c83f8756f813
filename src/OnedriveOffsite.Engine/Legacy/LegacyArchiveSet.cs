using System.Globalization;
using System.Text.RegularExpressions;

namespace OnedriveOffsite.Engine.Legacy;

/// <summary>
/// The archives of one backup, picked out of a folder listing: names '&lt;counter&gt;_&lt;base&gt;' with a counter of at
/// least 4 digits, one base name only, counters 1..N without gaps or duplicates, in numeric order (the old
/// service sorted them as text, which breaks from 10000 on).
/// </summary>
public sealed partial class LegacyArchiveSet
{
    private LegacyArchiveSet(string baseName, IReadOnlyList<LegacyArchiveInfo> archives)
    {
        BaseName = baseName;
        Archives = archives;
    }

    /// <summary>The name the old service was given for the backup (for example 'offsite_backup.tar.gz').</summary>
    public string BaseName { get; }

    /// <summary>The archives in counter order (1, 2, …).</summary>
    public IReadOnlyList<LegacyArchiveInfo> Archives { get; }

    public long StoredSize => Archives.Sum(a => Math.Max(0, a.Size));

    public DateTimeOffset? LastModified => Archives.Max(a => a.LastModified);

    /// <summary>Parses '&lt;counter&gt;_&lt;base&gt;'; false for any other name.</summary>
    public static bool TryParseName(string name, out long counter, out string baseName)
    {
        counter = 0;
        baseName = "";
        var m = ArchiveName().Match(name);
        // More than 18 digits cannot be a counter the old service wrote; treat it as a foreign file.
        if (!m.Success || m.Groups[1].Value.TrimStart('0').Length > 18) return false;
        counter = long.Parse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture);
        baseName = m.Groups[2].Value;
        return true;
    }

    /// <summary>True when the listing holds at least one archive-like name.</summary>
    public static bool ContainsArchives(IEnumerable<LegacyArchiveInfo> entries) => entries.Any(e => TryParseName(e.Name, out _, out _));

    /// <summary>Selects and checks the archives of the one backup in <paramref name="entries"/>.</summary>
    /// <param name="where">The folder, for messages.</param>
    public static LegacyArchiveSet Select(IEnumerable<LegacyArchiveInfo> entries, string where)
    {
        var parsed = new List<(LegacyArchiveInfo Info, long Counter, string Base)>();
        foreach (var e in entries)
        {
            if (TryParseName(e.Name, out var counter, out var baseName)) parsed.Add((e, counter, baseName));
        }
        if (parsed.Count == 0) throw LegacyErrors.BackupNotFound(where);

        var bases = parsed.Select(p => p.Base).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        // Refuse rather than guess: restoring the wrong one of two backups, or interleaving both, would be silent
        // data loss. The old service wrote one backup per folder, so two bases mean a user-made mix.
        if (bases.Count > 1) throw LegacyErrors.MultipleBackups(where, bases);

        var duplicates = parsed.GroupBy(p => p.Counter).Where(g => g.Count() > 1).ToList();
        if (duplicates.Count > 0) throw LegacyErrors.ArchiveDuplicate(where, duplicates.First().Select(p => p.Info.Name));

        var ordered = parsed.OrderBy(p => p.Counter).ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            if (ordered[i].Counter != i + 1) throw LegacyErrors.ArchiveMissing(where, bases[0], i + 1);
        }
        return new LegacyArchiveSet(bases[0], ordered.Select(p => p.Info).ToList());
    }

    [GeneratedRegex(@"^([0-9]{4,})_(.+)\z", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex ArchiveName();
}
