using System.Runtime.Versioning;
using System.Security.Cryptography;

namespace OnedriveOffsite.Engine.IO;

/// <summary>
/// Stores a secret (client secret, token cache, static access token) at rest. On Windows the bytes are
/// encrypted with DPAPI for the current user, so a copied file is useless on another account or machine.
/// Elsewhere they are written as an owner-only (0600) file: Linux and macOS keyrings need a logged-in desktop
/// session (D-Bus / unlocked keychain) that cron jobs and systemd services do not have, and an unattended
/// backup that cannot read its token cache at 3 a.m. is worse than a file only its owner (and root) can read.
/// </summary>
/// <remarks>
/// DPAPI comes from System.Security.Cryptography.ProtectedData, which Microsoft.Identity.Client.Extensions.Msal
/// already brings in (its MsalCacheHelper uses it for the same purpose on Windows); we call it directly because
/// the helper's Linux path insists on libsecret (see <see cref="Auth.TokenCacheFile"/>).
/// </remarks>
public static class ProtectedSecretFile
{
    // Extra entropy ties the blob to this purpose: another DPAPI user program cannot decrypt it by accident.
    private static readonly byte[] Entropy = "OnedriveOffsite.v1"u8.ToArray();

    /// <summary>How secrets are protected on this machine, for -Verbose narration.</summary>
    public static string ProtectionDescription => OperatingSystem.IsWindows()
        ? "encrypted with Windows DPAPI for the current user"
        : "an owner-only file (mode 0600; OS keyrings are not used because unattended jobs have no keyring session)";

    public static void Write(string path, ReadOnlySpan<byte> secret)
    {
        if (OperatingSystem.IsWindows()) OwnerOnlyFile.WriteAllBytes(path, Protect(secret.ToArray()));
        else OwnerOnlyFile.WriteAllBytes(path, secret);
    }

    /// <summary>The stored secret, or null when the file does not exist.</summary>
    public static byte[]? Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        return OperatingSystem.IsWindows() ? Unprotect(bytes) : bytes;
    }

    public static void Delete(string path)
    {
        if (File.Exists(path)) File.Delete(path);
    }

    [SupportedOSPlatform("windows")]
    private static byte[] Protect(byte[] data) => ProtectedData.Protect(data, Entropy, DataProtectionScope.CurrentUser);

    [SupportedOSPlatform("windows")]
    private static byte[] Unprotect(byte[] data) => ProtectedData.Unprotect(data, Entropy, DataProtectionScope.CurrentUser);
}
