namespace OnedriveOffsite.Engine.Repositories;

/// <summary>
/// Publishes a local file under its final name only if nothing has that name yet: the bytes go to a unique
/// temporary file first (created exclusively, flushed to disk), which then takes the final name with
/// link(2) on Unix (File.Move without overwrite on Windows), which fails atomically when the name exists, so of
/// racing writers (threads or processes) exactly one wins and readers never see a partly written file. (On file
/// systems without hard links, e.g. some SMB mounts, it falls back to check-then-rename, which leaves a tiny race
/// between two writers; docs/FORMAT.md "Locks" says so.)
/// </summary>
internal static class ExclusiveFile
{
    public const string PartialSuffix = ".partial";

    /// <summary>A fresh temporary file beside <paramref name="final"/> (never an existing one).</summary>
    public static string TempNameFor(string final) => $"{final}.{Guid.NewGuid().ToString("N")[..12]}{PartialSuffix}";

    public static string WriteTemp(string final, byte[] content)
    {
        var temp = TempNameFor(final);
        using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            fs.Write(content);
            fs.Flush(flushToDisk: true);
        }
        return temp;
    }

    /// <summary>True when <paramref name="content"/> now is <paramref name="final"/>; false when the name was taken.</summary>
    public static bool TryPublish(string final, byte[] content) => TryMoveInto(WriteTemp(final, content), final);

    /// <summary>Gives <paramref name="temp"/> the name <paramref name="final"/> unless it exists (then deletes temp).</summary>
    public static bool TryMoveInto(string temp, string final)
    {
        // File.Move(overwrite: false) is not atomic on every .NET/Linux combination (a racing test saw 7 of 8
        // writers "win"), so on Unix the final name is made with link(2), which fails with EEXIST atomically.
        if (!OperatingSystem.IsWindows() && TryLink(temp, final) is { } linked)
        {
            File.Delete(temp);
            return linked;
        }
        try
        {
            if (File.Exists(final)) { File.Delete(temp); return false; }
            File.Move(temp, final, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(final))
        {
            File.Delete(temp);
            return false;
        }
    }

    /// <summary>True: linked; false: the name exists; null: no hard link possible here (fall back).</summary>
    private static bool? TryLink(string temp, string final)
    {
        try
        {
            if (link(temp, final) == 0) return true;
            return System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == EEXIST ? false : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
    }

    private const int EEXIST = 17; // the same on Linux and macOS

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int link(string oldpath, string newpath);
}
