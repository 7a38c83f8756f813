using System.Diagnostics;
using System.Globalization;
using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.IO;

/// <summary>
/// A restore target that only gets its final name once everything is verified: data goes to a hidden temp
/// file beside the destination (same volume, so the final rename is atomic); <see cref="Commit"/> renames it,
/// and disposing without a commit deletes it. Unverified plaintext therefore never sits under the final name.
/// </summary>
public sealed class PendingFile : IDisposable
{
    private bool _committed;

    private PendingFile(string destination, string tempPath, FileStream stream)
    {
        Destination = destination;
        TempPath = tempPath;
        Stream = stream;
    }

    public string Destination { get; }
    public string TempPath { get; }
    /// <summary>Opened for read/write with random access, so parts can be written at their offsets in parallel.</summary>
    public FileStream Stream { get; }

    /// <param name="requiredBytes">
    /// The file's final size: when given, the volume must have that much free space (<see cref="DestinationSpace"/>),
    /// checked before anything is created.
    /// </param>
    /// <param name="freeSpace">The free-space probe (default <see cref="DestinationSpace.Available"/>).</param>
    public static PendingFile Create(string destination, bool overwrite, long? requiredBytes = null, Func<string, long?>? freeSpace = null)
    {
        destination = Path.GetFullPath(destination);
        if (!overwrite && (File.Exists(destination) || Directory.Exists(destination)))
            throw new OffsiteException(ErrorIds.Snapshots.DestinationExists, OffsiteErrorCategory.ResourceExists,
                $"The destination '{destination}' already exists. Use -Force to replace it.", destination);
        var dir = Path.GetDirectoryName(destination)!;
        if (!Directory.Exists(dir))
            throw new OffsiteException(ErrorIds.Snapshots.DestinationDirectoryNotFound, OffsiteErrorCategory.ObjectNotFound,
                $"The destination directory '{dir}' does not exist.", dir);
        RemoveLeftovers(dir, Path.GetFileName(destination));
        if (requiredBytes is { } length) DestinationSpace.EnsureFits(destination, length, freeSpace ?? DestinationSpace.Available);
        var temp = Path.Combine(dir, TempPrefix(Path.GetFileName(destination))
            + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8]);
        var options = OwnerOnlyFile.CreateOptions(FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read,
            options: FileOptions.RandomAccess);
        return new PendingFile(destination, temp, new FileStream(temp, options));
    }

    private static string TempPrefix(string fileName) => "." + fileName + ".oo-partial-";

    /// <summary>
    /// Deletes temp files that earlier restores to the same name left behind when they were killed (unverified
    /// plaintext): those named after a process that no longer runs, and those of the older name format without one.
    /// A restore still running in another process keeps its file.
    /// </summary>
    private static void RemoveLeftovers(string dir, string fileName)
    {
        var prefix = TempPrefix(fileName);
        foreach (var path in Directory.EnumerateFiles(dir, prefix + "*"))
        {
            var rest = Path.GetFileName(path)[prefix.Length..];
            var dash = rest.IndexOf('-');
            if (dash > 0 && int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ProcessIsRunning(pid)) continue;
            try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static bool ProcessIsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>Flushes to disk, then moves the temp file to the destination name.</summary>
    public void Commit(bool overwrite, DateTime? lastWriteTimeUtc = null)
    {
        Stream.Flush(flushToDisk: true);
        Stream.Dispose();
        if (lastWriteTimeUtc is { } t) File.SetLastWriteTimeUtc(TempPath, t);
        File.Move(TempPath, Destination, overwrite);
        _committed = true;
    }

    public void Dispose()
    {
        Stream.Dispose();
        if (!_committed)
        {
            try { File.Delete(TempPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
