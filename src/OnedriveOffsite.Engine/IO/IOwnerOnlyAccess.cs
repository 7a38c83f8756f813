namespace OnedriveOffsite.Engine.IO;

/// <summary>
/// How this operating system makes a secret file or the config directory readable by its owner only.
/// <see cref="OwnerOnlyFile"/> goes through it for every secret it writes (key, token cache, client secret,
/// SMTP password, access token, settings), so the platform-specific part stays this small and can be replaced
/// by a fake in tests.
/// </summary>
internal interface IOwnerOnlyAccess
{
    /// <summary>Creates a new file (fails if it exists) that is owner-only before any byte is written.</summary>
    FileStream CreateNew(string path);

    /// <summary>Creates a missing directory, owner-only from the start.</summary>
    void CreateDirectory(string path);

    /// <summary>Makes an existing directory of ours owner-only where the platform needs an explicit step.</summary>
    void Restrict(string directory);

    /// <summary>True when nobody but the owner (and the OS's own administrators) can open <paramref name="path"/>.</summary>
    bool IsOwnerOnly(string path);
}
