using System.Text;
using System.Text.Json;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.IO;

namespace OnedriveOffsite.Engine.Config;

/// <summary>
/// Reads and writes <see cref="AppSettings"/> as JSON at <see cref="ConfigHome.AppSettingsFile"/>. The client
/// secret never goes into that JSON: it is kept in <see cref="ClientSecretFile"/>, protected by
/// <see cref="ProtectedSecretFile"/> (DPAPI on Windows, owner-only file elsewhere).
/// </summary>
public sealed class AppSettingsStore
{
    private static readonly JsonSerializerOptions Json = JsonSettingsFile.CreateOptions();

    private readonly ConfigHome _home;

    public AppSettingsStore(ConfigHome home) => _home = home;

    public string ClientSecretFile => _home.Combine("app-client-secret.bin");

    /// <summary>The stored settings; throws <c>AppNotConfigured</c> when Set-OffsiteApp never ran.</summary>
    public AppSettings Load() => TryLoad() ?? throw new OffsiteException(ErrorIds.App.AppNotConfigured, OffsiteErrorCategory.ObjectNotFound,
        $"No app registration is configured in '{_home.Path}'. Run Set-OffsiteApp -ClientId <application id> first (see Get-Help " +
            $"about_OnedriveOffsite_SignIn).",
        _home.Path);

    public AppSettings? TryLoad()
    {
        if (!JsonSettingsFile.TryRead<StoredSettings>(_home.AppSettingsFile, Json, Corrupt, out var stored)) return null;
        if (stored is null) throw Corrupt(new JsonException("empty"));
        return new AppSettings
        {
            ClientId = stored.ClientId ?? "",
            TenantId = stored.TenantId ?? AppSettings.DefaultTenant,
            ScopeMode = stored.ScopeMode,
            DriveFolder = stored.DriveFolder,
            GraphEndpoint = stored.GraphEndpoint ?? AppSettings.DefaultGraphEndpoint,
            AuthorityHost = stored.AuthorityHost ?? AppSettings.DefaultAuthorityHost,
            RedirectUri = stored.RedirectUri,
            MaxUploadRate = stored.MaxUploadRate,
            MaxDownloadRate = stored.MaxDownloadRate,
            HasClientSecret = File.Exists(ClientSecretFile),
        };
    }

    /// <summary>
    /// Validates and stores <paramref name="settings"/>. <paramref name="clientSecret"/>: a value replaces the stored
    /// secret, an empty string removes it, null keeps whatever is stored. Returns the settings as stored.
    /// </summary>
    public AppSettings Save(AppSettings settings, string? clientSecret)
    {
        settings = settings with { DriveFolder = AppSettings.NormalizeDriveFolder(settings.DriveFolder) };
        settings.Validate();
        var stored = new StoredSettings
        {
            ClientId = settings.ClientId,
            TenantId = settings.TenantId,
            ScopeMode = settings.ScopeMode,
            DriveFolder = settings.DriveFolder,
            GraphEndpoint = settings.GraphEndpoint,
            AuthorityHost = settings.AuthorityHost,
            RedirectUri = settings.RedirectUri,
            MaxUploadRate = settings.MaxUploadRate,
            MaxDownloadRate = settings.MaxDownloadRate,
        };
        // Secret first: a crash between the two writes then leaves old settings with the new secret, never the reverse.
        if (clientSecret is { Length: > 0 }) ProtectedSecretFile.Write(ClientSecretFile, Encoding.UTF8.GetBytes(clientSecret));
        else if (clientSecret is not null) ProtectedSecretFile.Delete(ClientSecretFile);
        JsonSettingsFile.Write(_home.AppSettingsFile, stored, Json);
        return settings with { HasClientSecret = File.Exists(ClientSecretFile) };
    }

    private OffsiteException Corrupt(Exception ex) =>
        new(ErrorIds.App.AppSettingsCorrupt, OffsiteErrorCategory.InvalidData,
            $"The app settings file '{_home.AppSettingsFile}' is not valid JSON ({ex.Message}). Run Set-OffsiteApp again.",
                _home.AppSettingsFile, ex);

    /// <summary>The client secret, or null when none is stored. Only the MSAL client builder needs it.</summary>
    internal string? LoadClientSecret() =>
        ProtectedSecretFile.Read(ClientSecretFile) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    private sealed class StoredSettings
    {
        public string? ClientId { get; set; }
        public string? TenantId { get; set; }
        public ScopeMode ScopeMode { get; set; }
        public string? DriveFolder { get; set; }
        public Uri? GraphEndpoint { get; set; }
        public Uri? AuthorityHost { get; set; }
        public Uri? RedirectUri { get; set; }
        public string? MaxUploadRate { get; set; }
        public string? MaxDownloadRate { get; set; }
    }
}
