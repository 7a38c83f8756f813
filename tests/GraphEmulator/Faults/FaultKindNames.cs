namespace OnedriveOffsite.GraphEmulator.Faults;

/// <summary>Parses fault kind lists from the CLI and the admin endpoint ("all", names, or 429/503/500).</summary>
public static class FaultKindNames
{
    public static IReadOnlyCollection<FaultKind> Parse(string text) => Parse(text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    public static IReadOnlyCollection<FaultKind> Parse(IEnumerable<string> names)
    {
        var kinds = new HashSet<FaultKind>();
        foreach (var name in names)
        {
            if (name.Equals("all", StringComparison.OrdinalIgnoreCase)) return Enum.GetValues<FaultKind>();
            kinds.Add(ParseOne(name));
        }
        return kinds;
    }

    public static FaultKind ParseOne(string name) => name.Trim() switch
    {
        "429" => FaultKind.Throttle429,
        "503" => FaultKind.Unavailable503,
        "500" => FaultKind.ServerError500,
        var n when Enum.TryParse<FaultKind>(n, ignoreCase: true, out var k) && !int.TryParse(n, out _) => k,
        var n => throw new ArgumentException(
            $"Unknown fault kind '{n}'. Known: all, 429, 503, 500, {string.Join(", ", Enum.GetNames<FaultKind>())}."),
    };
}
