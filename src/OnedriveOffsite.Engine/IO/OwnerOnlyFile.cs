using System.Text;

namespace OnedriveOffsite.Engine.IO;

/// <summary>
/// Writes files that hold secrets (keys, token caches, credentials): created owner-only before any byte is
/// written (mode 0600 on Unix, a protected owner-only access list on Windows; see <see cref="IOwnerOnlyAccess"/>),
/// replaced atomically through a temp file in the same directory.
/// </summary>
public static class OwnerOnlyFile
{
    internal static IOwnerOnlyAccess Platform { get; } =
        OperatingSystem.IsWindows() ? new WindowsOwnerOnlyAccess() : new UnixOwnerOnlyAccess();

    public static void WriteAllText(string path, string text) => WriteAllBytes(path, Encoding.UTF8.GetBytes(text));

    /// <summary>Writes a secret file in the config home (the directory is created or made owner-only too).</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes) =>
        WriteAllBytes(Platform, path, bytes, restrictDirectory: true);

    /// <summary>
    /// Writes an owner-only file into a directory the user chose (an export to a USB stick): the directory must
    /// exist and keeps its own permissions.
    /// </summary>
    public static void WriteAllBytesInto(string path, ReadOnlySpan<byte> bytes) =>
        WriteAllBytes(Platform, path, bytes, restrictDirectory: false);

    internal static void WriteAllBytes(IOwnerOnlyAccess access, string path, ReadOnlySpan<byte> bytes, bool restrictDirectory)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (restrictDirectory) EnsureOwnerOnlyDirectory(access, dir);
        var temp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            using (var fs = access.CreateNew(temp))
            {
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }
            // A rename keeps the temp file's permissions (Unix mode, NTFS security descriptor alike).
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// Creates the directory owner-only if needed (0700 on Unix, protected owner-only list on Windows); an existing
    /// one is made owner-only where the platform needs an explicit step (Windows; Unix leaves its mode alone).
    /// </summary>
    public static void EnsureOwnerOnlyDirectory(string dir) => EnsureOwnerOnlyDirectory(Platform, dir);

    internal static void EnsureOwnerOnlyDirectory(IOwnerOnlyAccess access, string dir)
    {
        if (Directory.Exists(dir)) access.Restrict(dir);
        else access.CreateDirectory(dir);
    }

    /// <summary>
    /// True when nobody but the owner can open the file (Unix: no group/other bits; Windows: see
    /// <see cref="OwnerOnlyAcl"/>).
    /// </summary>
    public static bool IsOwnerOnly(string path) => Platform.IsOwnerOnly(path);

    /// <summary>
    /// Options for a <see cref="FileStream"/> that creates its file mode 0600 on Unix, from the first instant (no
    /// window where others could open it), for working files that hold plaintext or state: restore temp files, upload
    /// spools, lock files. <paramref name="mode"/> must be one that may create the file (not Open or Truncate). On
    /// Windows the file takes its directory's access list; a secret that must be owner-only there too goes through
    /// <see cref="WriteAllBytes(string, ReadOnlySpan{byte})"/>.
    /// </summary>
    internal static FileStreamOptions CreateOptions(FileMode mode, FileAccess access, FileShare share, int bufferSize = 4096,
        FileOptions options = FileOptions.None)
    {
        var result = new FileStreamOptions { Mode = mode, Access = access, Share = share, BufferSize = bufferSize, Options = options };
        if (!OperatingSystem.IsWindows()) result.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return result;
    }

    /// <summary>
    /// A new owner-only scratch file in the temp directory that nothing outlives: on Unix its name goes at once (the
    /// open handle keeps the data, and the kernel frees it when the process ends, however it ends); on Windows the
    /// kernel honours DeleteOnClose when a killed process's handles close. Upload spools, spilled index entries,
    /// sort buckets.
    /// </summary>
    internal static FileStream OpenScratch(string namePrefix, int bufferSize, FileOptions options = FileOptions.None,
        string nameSuffix = "")
    {
        var path = Path.Combine(Path.GetTempPath(), $"{namePrefix}{Guid.NewGuid():N}{nameSuffix}");
        var file = new FileStream(path,
            CreateOptions(FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize, options | FileOptions.DeleteOnClose));
        if (!OperatingSystem.IsWindows()) File.Delete(path);
        return file;
    }
}
