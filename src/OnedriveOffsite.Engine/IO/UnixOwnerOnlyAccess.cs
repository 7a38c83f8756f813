using System.Runtime.Versioning;

namespace OnedriveOffsite.Engine.IO;

/// <summary>Unix: mode 0600 files and 0700 directories, set at creation (no window where others could open them).</summary>
[UnsupportedOSPlatform("windows")]
internal sealed class UnixOwnerOnlyAccess : IOwnerOnlyAccess
{
    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public FileStream CreateNew(string path) =>
        new(path, OwnerOnlyFile.CreateOptions(FileMode.CreateNew, FileAccess.Write, FileShare.None));

    public void CreateDirectory(string path) =>
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

    /// <summary>Nothing: a directory the user made keeps its mode (every secret file in it is 0600 on its own).</summary>
    public void Restrict(string directory) { }

    public bool IsOwnerOnly(string path) => (File.GetUnixFileMode(path) & GroupOrOthers) == 0;
}
