namespace OnedriveOffsite.Engine.Config;

/// <summary>
/// The per-user directory holding the key, app settings, token cache, notification settings and resume
/// journals: <c>ONEDRIVE_OFFSITE_HOME</c> when set, else the platform's per-user config directory
/// (<c>$XDG_CONFIG_HOME/onedrive-offsite</c> or <c>~/.config/onedrive-offsite</c>; <c>%APPDATA%\OnedriveOffsite</c>).
/// </summary>
public sealed class ConfigHome
{
    public const string EnvironmentVariable = "ONEDRIVE_OFFSITE_HOME";

    public ConfigHome(string path) => Path = System.IO.Path.GetFullPath(path);

    public string Path { get; }

    public string KeyFile => Combine("offsite.key");
    public string AppSettingsFile => Combine("app.json");
    public string TokenCacheFile => Combine("msal-token-cache.bin");
    public string NotificationFile => Combine("notification.json");
    public string JournalDirectory => Combine("journals");

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public static ConfigHome Resolve(string? explicitPath = null)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath)) return new ConfigHome(explicitPath);
        var fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv)) return new ConfigHome(fromEnv);
        if (OperatingSystem.IsWindows())
            return new ConfigHome(
                System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "OnedriveOffsite"));
        var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        var baseDir = !string.IsNullOrWhiteSpace(xdg) ? xdg
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return new ConfigHome(System.IO.Path.Combine(baseDir, "onedrive-offsite"));
    }
}
