using System.Security.Cryptography;
using System.Text;

namespace OnedriveOffsite.Engine.Notifications;

/// <summary>
/// How a stored secret is encoded on disk. Windows: DPAPI for the current user (the file is then useless to
/// anyone else, and to a copied profile on another machine), on top of the per-user profile ACL. Unix: there
/// is no per-user key store on a headless server, so the protection is the 0600 owner-only file itself,
/// the same model as ~/.aws/credentials and ssh keys. A one-byte tag records which encoding was used.
/// </summary>
internal static class SecretFileProtection
{
    private const byte Plain = 0x50;   // 'P'
    private const byte Dpapi = 0x44;   // 'D'
    private static readonly byte[] Entropy = Encoding.UTF8.GetBytes("OnedriveOffsite.Notification.v1");

    public static byte[] Protect(string secret)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        if (OperatingSystem.IsWindows())
            return [Dpapi, .. ProtectedData.Protect(bytes, Entropy, DataProtectionScope.CurrentUser)];
        return [Plain, .. bytes];
    }

    public static string Unprotect(byte[] stored)
    {
        if (stored.Length == 0) throw new FormatException("empty secret file");
        var body = stored.AsSpan(1).ToArray();
        return stored[0] switch
        {
            Plain => Encoding.UTF8.GetString(body),
            Dpapi when OperatingSystem.IsWindows() =>
                Encoding.UTF8.GetString(ProtectedData.Unprotect(body, Entropy, DataProtectionScope.CurrentUser)),
            _ => throw new FormatException("unknown secret encoding"),
        };
    }
}
