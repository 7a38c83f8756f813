namespace OnedriveOffsite.Engine.Progress;

/// <summary>The activity lines of runs: the file's and set's names kept readable (<see cref="NameShortener"/>).</summary>
public static class ProgressNames
{
    public static string File(string name) => NameShortener.Shorten(name, NameShortener.FileNameLength);

    public static string Set(string name) => NameShortener.Shorten(name, NameShortener.SetNameLength);

    public static string Backup(string file, string set) => $"Backing up {File(file)} to {Set(set)}";

    public static string Restore(string file, string set) => $"Restoring {File(file)} from {Set(set)}";

    public static string Verify(string set, string snapshot) => $"Verifying {Set(set)}/{snapshot}";
}
