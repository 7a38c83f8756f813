using OnedriveOffsite.Engine.Text;
namespace OnedriveOffsite.Engine.Progress;

/// <summary>
/// A run's activity line ("Backing up &lt;file&gt; to &lt;set&gt;"), fitted to the room a progress view gives it:
/// PowerShell's default (minimal) view shows at most half the window's width (of at most 120 columns), so 40
/// characters in an 80-column terminal. Names are shortened from the middle keeping their dates
/// (<see cref="NameShortener"/>); a suffix goes first, then the verb (the link word still says the direction).
/// </summary>
public sealed record ActivityText(string Verb, string File, string Link, string Set, string Suffix = "")
{
    /// <summary>The room when the window's width is unknown (half of PowerShell's default 120-column progress width).</summary>
    public const int DefaultLength = 60;

    private const int MinimumLength = 20;
    private const int FileRoomWithVerb = 20; // below this the verb gives its room to the file name

    public static ActivityText Backup(string file, string set) => new("Backing up", file, " to ", set);

    public static ActivityText Restore(string file, string set, string suffix = "") => new("Restoring", file, " from ", set, suffix);

    public static ActivityText Verify(string set, string snapshot) => new("Verifying", snapshot, " in ", set);

    public override string ToString() => Fit(DefaultLength);

    public string Fit(int maxLength)
    {
        maxLength = Math.Max(maxLength, MinimumLength);
        var core = $"{Verb} {File}{Link}{Set}";
        if (core.Length + Suffix.Length <= maxLength) return core + Suffix;
        if (core.Length <= maxLength) return core;
        var set = NameShortener.Shorten(Set, Math.Min(Set.Length, Math.Max(8, maxLength / 4)));
        var room = maxLength - Verb.Length - 1 - Link.Length - set.Length;
        if (room >= FileRoomWithVerb) return $"{Verb} {NameShortener.Shorten(File, room)}{Link}{set}";
        return $"{NameShortener.Shorten(File, Math.Max(3, room + Verb.Length + 1))}{Link}{set}";
    }
}
