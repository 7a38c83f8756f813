using System.Globalization;
using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.IO;

/// <summary>
/// Free space on the volume a restore writes to, checked before anything is written: a 300 GB restore that would
/// fill the disk after an hour of downloading (and leave a full disk behind) fails at once with DestinationFull.
/// The probe is a function so tests can simulate a small volume; the test suite can also set
/// <see cref="TestVariable"/> (bytes) for a whole process, as tests/README.md describes.
/// </summary>
public static class DestinationSpace
{
    /// <summary>When set to a number of bytes, the default probe reports that much free space (test suite only).</summary>
    public const string TestVariable = "ONEDRIVE_OFFSITE_TEST_FREE_SPACE";

    /// <summary>Bytes available to this user on the volume holding <paramref name="directory"/>; null when unknown.</summary>
    public static long? Available(string directory)
    {
        var simulatedText = Environment.GetEnvironmentVariable(TestVariable);
        if (long.TryParse(simulatedText, NumberStyles.None, CultureInfo.InvariantCulture, out var simulated))
            return simulated;
        try
        {
            // Unix: statvfs of the path itself (any directory works); Windows: DriveInfo needs the root.
            var drive = new DriveInfo(OperatingSystem.IsWindows() ? Path.GetPathRoot(Path.GetFullPath(directory))! : directory);
            return drive.AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException)
        {
            return null; // a UNC share or an unusual mount: the write itself still reports a full disk
        }
    }

    /// <summary>Throws DestinationFull when <paramref name="length"/> bytes cannot fit where <paramref name="target"/> goes.</summary>
    public static void EnsureFits(string target, long length, Func<string, long?> probe)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(target))!;
        if (probe(directory) is not { } available || length <= available) return;
        throw new OffsiteException(ErrorIds.Snapshots.DestinationFull, OffsiteErrorCategory.ResourceUnavailable,
            $"The restored file needs {length} bytes but the volume of '{directory}' has only {available} bytes free; nothing was written. "
            + "Free space there or restore to another -Destination.", target);
    }
}
