using System.Text.Json;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.IO;

namespace OnedriveOffsite.Engine.Notifications;

/// <summary>
/// Reads and writes the notification configuration: <c>notification.json</c> (no secrets, owner-only anyway
/// because it reveals addresses and server names) and, only for SMTP with a credential, the password in a
/// separate owner-only file <c>notification.secret</c> (see <see cref="SecretFileProtection"/>).
/// Why a separate file rather than a field in the JSON: the JSON can be shown, diffed and copied between hosts
/// without ever carrying the password, and Get-OffsiteNotification never has to read the secret at all.
/// </summary>
public sealed class NotificationStore
{
    // Admins read this file: keep "Ops <ops@example.org>" legible (it is never embedded in HTML).
    private static readonly JsonSerializerOptions Json =
        JsonSettingsFile.CreateOptions(System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping);

    public NotificationStore(ConfigHome home) => Home = home;

    public ConfigHome Home { get; }
    public string SettingsPath => Home.NotificationFile;
    public string SecretPath => Home.Combine("notification.secret");

    /// <summary>The stored settings, or null when notifications were never configured (or were removed).</summary>
    public NotificationSettings? Load()
    {
        if (!JsonSettingsFile.TryRead<NotificationSettings>(SettingsPath, Json, Invalid, out var settings)) return null;
        return settings ?? throw Invalid(new JsonException("The file is empty."));
    }

    private OffsiteException Invalid(Exception ex) =>
        NotificationErrors.Invalid(
            $"The notification settings file '{SettingsPath}' is not valid ({ex.Message}). Run Set-OffsiteNotification again.",
            SettingsPath);

    /// <summary>The SMTP password, or null when none is stored.</summary>
    public string? LoadSmtpPassword()
    {
        if (!File.Exists(SecretPath)) return null;
        try
        {
            return SecretFileProtection.Unprotect(File.ReadAllBytes(SecretPath));
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or FormatException)
        {
            // Message deliberately without ex.Message: it never holds the secret, but there is nothing useful in it either.
            throw NotificationErrors.Invalid(
                $"The stored SMTP password in '{SecretPath}' cannot be read (was it copied from another user or machine?). Run " +
                $"Set-OffsiteNotification -Credential again.", SecretPath);
        }
    }

    /// <summary>
    /// Replaces the whole configuration. The password file is written first and removed when there is no
    /// password, so a configuration never points at a stale secret from an earlier one.
    /// </summary>
    public void Save(NotificationSettings settings, string? smtpPassword)
    {
        NotificationSettingsValidator.Validate(settings);
        if (settings.Provider == NotificationProvider.None && settings.HealthCheckUrl is null)
        {
            Remove();
            return;
        }
        if (!string.IsNullOrEmpty(smtpPassword) && settings.Provider == NotificationProvider.Smtp)
            OwnerOnlyFile.WriteAllBytes(SecretPath, SecretFileProtection.Protect(smtpPassword));
        else
            DeleteIfExists(SecretPath);
        JsonSettingsFile.Write(SettingsPath, settings, Json);
    }

    /// <summary>Forgets the configuration and the password (<c>-Provider None</c>).</summary>
    public void Remove()
    {
        DeleteIfExists(SettingsPath);
        DeleteIfExists(SecretPath);
    }

    private static void DeleteIfExists(string path)
    {
        if (File.Exists(path)) File.Delete(path);
    }
}
