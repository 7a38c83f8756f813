namespace OnedriveOffsite.Engine.Config;

/// <summary>
/// A config home that already existed with group/other access (made by hand, or by an old version, with the
/// usual umask 022: mode 0755). Every secret file in it is 0600 on its own, but the names, the journals and
/// anything copied in by hand would be visible, so on Linux/macOS it is tightened to owner-only (the user's own
/// bits stay, group and other bits go: 0700) when this user may change its mode and it is no shared directory, and
/// a warning asks the admin to do it otherwise (docs/DECISIONS.md "Config home permissions"). Windows config homes
/// get their owner-only access list when a secret is written (<see cref="IO.OwnerOnlyFile"/>).
/// </summary>
public static class ConfigHomePermissions
{
    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>What <see cref="Secure"/> found and did.</summary>
    public sealed record Outcome(bool Tightened, string Message);

    /// <summary>
    /// Tightens <paramref name="home"/>'s directory when it exists with group/other bits; null when there was nothing
    /// to do (missing, already owner-only, Windows). <see cref="Outcome.Tightened"/> false means it could not be
    /// changed (another user's directory): the message is a warning.
    /// </summary>
    public static Outcome? Secure(ConfigHome home)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(home.Path)) return null;
        UnixFileMode mode;
        try { mode = File.GetUnixFileMode(home.Path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
        if ((mode & GroupOrOthers) == 0) return null;
        if (LooksShared(home.Path, mode))
            return new Outcome(false,
                $"The config home '{home.Path}' is open to group/others (mode {Octal(mode)}). It holds the key and the sign-in, "
                + "but it looks like a shared directory (sticky bit, a top-level directory or your home directory), so it is not " +
                    "changed automatically: "
                + "use a directory of its own (the default ~/.config/onedrive-offsite, or e.g. /etc/onedrive-offsite) with mode 0700.");
        var owner = mode & ~GroupOrOthers;
        try
        {
            File.SetUnixFileMode(home.Path, owner);
            return new Outcome(true,
                $"The config home '{home.Path}' was open to group/others (mode {Octal(mode)}); it holds the key and the sign-in, so it " +
                $"was made owner-only (mode {Octal(owner)}).");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new Outcome(false,
                $"The config home '{home.Path}' is open to group/others (mode {Octal(mode)}) and this user cannot change that. "
                + $"It holds the key and the sign-in: have its owner run chmod 700 '{home.Path}'.");
        }
    }

    /// <summary>
    /// Directories that other programs or users rely on are never tightened, only warned about: /tmp-like ones
    /// (sticky bit), / and its direct children (/etc, /srv), and the user's own home directory. A -ConfigPath
    /// pointed there by mistake must not lock everyone else out.
    /// </summary>
    private static bool LooksShared(string path, UnixFileMode mode)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var parent = Path.GetDirectoryName(full);
        var userHome = Path.TrimEndingDirectorySeparator(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
        return (mode & UnixFileMode.StickyBit) != 0 || parent is null || Path.GetDirectoryName(parent) is null
            || string.Equals(full, userHome, StringComparison.Ordinal);
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8).PadLeft(3, '0');
}
