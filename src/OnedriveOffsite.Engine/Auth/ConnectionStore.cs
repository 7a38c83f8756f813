using System.Text;
using System.Text.Json;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.IO;

namespace OnedriveOffsite.Engine.Auth;

/// <summary>
/// Files of a connection in the config home: the record (<c>account.json</c>), the static access token
/// (protected like every secret) and the MSAL token cache (<see cref="TokenCacheFile"/>).
/// </summary>
public sealed class ConnectionStore
{
    private static readonly JsonSerializerOptions Json = JsonSettingsFile.CreateOptions();

    public ConnectionStore(ConfigHome home)
    {
        Home = home;
        TokenCache = new TokenCacheFile(home);
    }

    public ConfigHome Home { get; }
    public string RecordFile => Home.Combine("account.json");
    public string AccessTokenFile => Home.Combine("access-token.bin");
    public TokenCacheFile TokenCache { get; }

    public ConnectionRecord? TryLoad()
    {
        JsonSettingsFile.TryRead<ConnectionRecord>(RecordFile, Json, Corrupt, out var record);
        return record;
    }

    private OffsiteException Corrupt(Exception ex) =>
        new(ErrorIds.Auth.ConnectionCorrupt, OffsiteErrorCategory.InvalidData,
            $"The connection file '{RecordFile}' is not valid JSON ({ex.Message}). Run Connect-OffsiteAccount again.", RecordFile, ex);

    public ConnectionRecord Load() => TryLoad() ?? throw AuthErrors.NotConnected(Home.Path);

    public void Save(ConnectionRecord record) => JsonSettingsFile.Write(RecordFile, record, Json);

    public void SaveAccessToken(string token) => ProtectedSecretFile.Write(AccessTokenFile, Encoding.UTF8.GetBytes(token));

    public string? LoadAccessToken() => ProtectedSecretFile.Read(AccessTokenFile) is { } b ? Encoding.UTF8.GetString(b) : null;

    public void DeleteAccessToken() => ProtectedSecretFile.Delete(AccessTokenFile);

    /// <summary>Forgets the connection: record, static token, token cache. Returns whether anything was there.</summary>
    public bool DeleteAll()
    {
        var existed = File.Exists(RecordFile) || File.Exists(AccessTokenFile) || File.Exists(TokenCache.Path);
        DeleteAccessToken();
        TokenCache.Delete();
        if (File.Exists(RecordFile)) File.Delete(RecordFile);
        return existed;
    }
}
