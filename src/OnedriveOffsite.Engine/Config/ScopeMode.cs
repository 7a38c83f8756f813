namespace OnedriveOffsite.Engine.Config;

/// <summary>Which part of the drive the app may touch, and therefore which Graph permission it asks for.</summary>
public enum ScopeMode
{
    /// <summary>Only the app's own folder (<c>Apps/&lt;app name&gt;</c>); permission <c>Files.ReadWrite.AppFolder</c>.</summary>
    AppFolder,

    /// <summary>A chosen folder of the whole drive; permission <c>Files.ReadWrite</c>.</summary>
    Drive,
}
