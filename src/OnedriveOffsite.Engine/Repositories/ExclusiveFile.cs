namespace OnedriveOffsite.Engine.Repositories;

/// <summary>
/// Publishes a local file under its final name only if nothing has that name yet: the bytes go to a unique
/// temporary file first (created exclusively, flushed to disk), which then takes the final name with
/// <see cref="File.Move(string, string, bool)"/> without overwrite. On Unix .NET does that with link(2) + unlink,
/// which fails atomically when the name exists, so of racing writers (threads or processes) exactly one wins and
/// readers never see a partly written file. (On file systems without hard links, e.g. some SMB mounts, .NET falls
/// back to check-then-rename, which leaves a tiny race between two writers; docs/FORMAT.md "Locks" says so.)
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
}
