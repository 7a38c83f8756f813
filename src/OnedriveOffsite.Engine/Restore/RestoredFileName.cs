namespace OnedriveOffsite.Engine.Restore;

/// <summary>
/// The file name a restore into a directory uses: the last segment of the name the manifest recorded (never a
/// path: '/' and '\' both separate). On Windows a name that Windows cannot hold is renamed by a fixed rule
/// (README "Restoring on Windows"): each of <c>&lt; &gt; : " | ? *</c> and control characters becomes '_'; a
/// trailing dot or space becomes '_'; a reserved device name (CON, PRN, AUX, NUL, COM0–9, LPT0–9, CONIN$,
/// CONOUT$, with any extension) gets '_' after the reserved part (<c>CON.txt</c> → <c>CON_.txt</c>). A pure
/// function of (name, OS) so that the rule is tested on every OS.
/// </summary>
public static class RestoredFileName
{
    public const string Fallback = "restored.bin";
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM¹", "COM²", "COM³",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³",
    };

    public static string For(string storedName, bool windows)
    {
        var normalized = (storedName ?? "").Replace('\\', '/');
        var file = normalized[(normalized.LastIndexOf('/') + 1)..];
        if (string.IsNullOrWhiteSpace(file) || file is "." or "..") return Fallback;
        return windows ? ForWindows(file) : file;
    }

    private static string ForWindows(string file)
    {
        var chars = file.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
            if (chars[i] < 32 || chars[i] is '<' or '>' or ':' or '"' or '|' or '?' or '*') chars[i] = '_';
        for (var i = chars.Length - 1; i >= 0 && chars[i] is '.' or ' '; i--) chars[i] = '_';
        var safe = new string(chars);
        var dot = safe.IndexOf('.');
        var stem = dot < 0 ? safe : safe[..dot];
        // Windows also treats "CON .txt" as the device: compare without trailing spaces.
        return Reserved.Contains(stem.TrimEnd(' ')) ? stem + "_" + safe[stem.Length..] : safe;
    }
}
