using OnedriveOffsite.Engine.Config;

namespace OnedriveOffsite.Output;

/// <summary>The stored app registration as Get-/Set-OffsiteApp show it. Only says whether a client secret is set.</summary>
public sealed class OffsiteAppInfo
{
    public string ClientId { get; init; } = "";
    public string TenantId { get; init; } = "";
    public string Scope { get; init; } = "";
    public string? DriveFolder { get; init; }
    public bool ClientSecretSet { get; init; }
    public Uri? GraphEndpoint { get; init; }
    public Uri? AuthorityHost { get; init; }
    public Uri? RedirectUri { get; init; }
    public string ConfigPath { get; init; } = "";

    internal static OffsiteAppInfo From(AppSettings settings, ConfigHome home) => new()
    {
        ClientId = settings.ClientId,
        TenantId = settings.TenantId,
        Scope = settings.ScopeMode.ToString(),
        DriveFolder = settings.DriveFolder,
        ClientSecretSet = settings.HasClientSecret,
        GraphEndpoint = settings.GraphEndpoint,
        AuthorityHost = settings.AuthorityHost,
        RedirectUri = settings.EffectiveRedirectUri,
        ConfigPath = home.Path,
    };

    public override string ToString() => $"{ClientId} ({TenantId}, {Scope})";
}
