using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.IO;
using Xunit;

namespace OnedriveOffsite.Tests.Auth;

public sealed class AppSettingsStoreTests : IDisposable
{
    private const string ClientId = "3b1c6a52-1c51-4b6e-9a3a-2b0c9c1f0e11";
    private readonly ConfigHome _home = new(Path.Combine(Path.GetTempPath(), "oo-app-" + Guid.NewGuid().ToString("N")));

    public void Dispose()
    {
        if (Directory.Exists(_home.Path)) Directory.Delete(_home.Path, recursive: true);
    }

    [Fact]
    public void Missing_IsAppNotConfigured()
    {
        var ex = Assert.Throws<OffsiteException>(() => new AppSettingsStore(_home).Load());
        Assert.Equal("AppNotConfigured", ex.ErrorId);
        Assert.Contains("Set-OffsiteApp", ex.Message);
    }

    [UnixFact]
    public void TheClientSecretFileHasMode0600()
    {
        var store = new AppSettingsStore(_home);
        store.Save(new AppSettings { ClientId = ClientId }, "s3cr3t-value-never-in-json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.ClientSecretFile));
    }

    [Fact]
    public void RoundTrip_WithDefaults_AndSecretKeptOutOfTheJson()
    {
        var store = new AppSettingsStore(_home);
        const string secret = "s3cr3t-value-never-in-json";
        var saved = store.Save(new AppSettings { ClientId = ClientId, ScopeMode = ScopeMode.Drive, DriveFolder = "/Backups/Offsite/" }, secret);

        var loaded = store.Load();
        Assert.Equal(saved, loaded);
        Assert.Equal("common", loaded.TenantId);
        Assert.Equal("Backups/Offsite", loaded.DriveFolder);
        Assert.Equal(new Uri("https://graph.microsoft.com"), loaded.GraphEndpoint);
        Assert.Equal(new Uri("https://login.microsoftonline.com/common"), loaded.Authority);
        Assert.Equal(new Uri("https://login.microsoftonline.com/common/oauth2/nativeclient"), loaded.EffectiveRedirectUri);
        Assert.True(loaded.HasClientSecret);
        Assert.Equal(secret, store.LoadClientSecret());
        Assert.DoesNotContain(secret, File.ReadAllText(_home.AppSettingsFile));
        Assert.DoesNotContain(secret, loaded.ToString());
        Assert.True(OwnerOnlyFile.IsOwnerOnly(store.ClientSecretFile));

        // null keeps the secret, empty removes it.
        Assert.True(store.Save(loaded, null).HasClientSecret);
        Assert.False(store.Save(loaded, "").HasClientSecret);
        Assert.False(File.Exists(store.ClientSecretFile));
    }

    [Theory]
    [InlineData("not-a-guid", "common", "https://graph.microsoft.com", "https://login.microsoftonline.com", "InvalidClientId")]
    [InlineData(ClientId, "bad tenant!", "https://graph.microsoft.com", "https://login.microsoftonline.com", "InvalidTenant")]
    [InlineData(ClientId, "common", "http://graph.example.com", "https://login.microsoftonline.com", "InvalidEndpoint")]
    [InlineData(ClientId, "common", "https://graph.microsoft.com/v1.0", "https://login.microsoftonline.com", "InvalidEndpoint")]
    [InlineData(ClientId, "common", "https://graph.microsoft.com", "http://127.0.0.1:8080", "InvalidEndpoint")]
    public void Invalid_Values_AreRejectedWithStableIds(string clientId, string tenant, string graph, string authority, string errorId)
    {
        var settings = new AppSettings { ClientId = clientId, TenantId = tenant, GraphEndpoint = new Uri(graph), AuthorityHost = new Uri(authority) };
        var ex = Assert.Throws<OffsiteException>(() => new AppSettingsStore(_home).Save(settings, null));
        Assert.Equal(errorId, ex.ErrorId);
        Assert.False(File.Exists(_home.AppSettingsFile));
    }

    [Theory]
    [InlineData("consumers")]
    [InlineData("organizations")]
    [InlineData("9188040d-6c67-4c5b-b112-36a304b66dad")]
    [InlineData("contoso.onmicrosoft.com")]
    public void ValidTenants_AndLoopbackGraph_AreAccepted(string tenant)
    {
        var settings = new AppSettings { ClientId = ClientId, TenantId = tenant, GraphEndpoint = new Uri("http://127.0.0.1:5000") };
        Assert.Equal(tenant, new AppSettingsStore(_home).Save(settings, null).TenantId);
    }

    [Fact]
    public void DriveMode_NeedsAValidFolder()
    {
        var store = new AppSettingsStore(_home);
        Assert.Equal("InvalidDriveFolder", Assert.Throws<OffsiteException>(() => store.Save(new AppSettings { ClientId = ClientId, ScopeMode = ScopeMode.Drive }, null)).ErrorId);
        Assert.Equal("InvalidDriveFolder", Assert.Throws<OffsiteException>(() => store.Save(new AppSettings { ClientId = ClientId, ScopeMode = ScopeMode.Drive, DriveFolder = "Back:ups" }, null)).ErrorId);
    }
}
