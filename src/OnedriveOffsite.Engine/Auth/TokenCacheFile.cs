using System.Globalization;
using System.Security.Cryptography;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.IO;

namespace OnedriveOffsite.Engine.Auth;

/// <summary>
/// The persisted MSAL token cache (MSAL's own V3 serialization, protected by <see cref="ProtectedSecretFile"/>),
/// its lock files, and a small state file recording when a new refresh token last arrived.
/// </summary>
/// <remarks>
/// Why not Microsoft.Identity.Client.Extensions.Msal's MsalCacheHelper: on Linux it stores the cache in the
/// libsecret keyring, which needs a D-Bus desktop session that cron jobs and systemd services lack (its plain-file
/// fallback is what we want anyway), and its lock covers only each cache read/write, not the refresh between
/// them. We need a lock across the whole refresh (<see cref="RefreshLockPath"/>) so two overlapping runs never
/// redeem the same rotating refresh token.
/// </remarks>
public sealed class TokenCacheFile
{
    private readonly ConfigHome _home;

    public TokenCacheFile(ConfigHome home) => _home = home;

    public string Path => _home.TokenCacheFile;
    /// <summary>Held for each cache read-modify-write (MSAL's BeforeAccess..AfterAccess).</summary>
    public string LockPath => Path + ".lock";
    /// <summary>Held across a whole silent token acquisition, refresh included.</summary>
    public string RefreshLockPath => Path + ".refresh.lock";
    public string StatePath => _home.Combine("msal-token-cache.state");

    /// <summary>The serialized cache, or null when there is none (or it cannot be decrypted for this user).</summary>
    public byte[]? Read()
    {
        try { return ProtectedSecretFile.Read(Path); }
        catch (CryptographicException) { return null; } // DPAPI blob of another user or machine: as good as no cache
    }

    public void Write(byte[] serialized) => ProtectedSecretFile.Write(Path, serialized);

    /// <summary>When the cache last received a refresh token it did not have before (refresh tokens rotate on use).</summary>
    public DateTimeOffset? ReadRefreshTokenUpdatedOn()
    {
        try
        {
            var text = File.ReadAllText(StatePath).Trim();
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    public void WriteRefreshTokenUpdatedOn(DateTimeOffset when) =>
        OwnerOnlyFile.WriteAllText(StatePath, when.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));

    public void Delete()
    {
        ProtectedSecretFile.Delete(Path);
        if (File.Exists(StatePath)) File.Delete(StatePath);
    }
}
