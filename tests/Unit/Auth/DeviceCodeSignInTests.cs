using Xunit;
using OnedriveOffsite.Engine.Auth;
using OnedriveOffsite.Engine.IO;

namespace OnedriveOffsite.Tests.Auth;

public sealed class DeviceCodeSignInTests
{
    [Fact]
    public async Task DeviceCode_ShowsCodeToUser_PollsThroughPending_AndStoresAccount()
    {
        using var f = new AuthFixture();
        f.Server.PendingPolls = 1;
        var observer = new RecordingObserver();

        var account = await f.SignInWithDeviceCodeAsync(observer);

        Assert.Equal(FakeIdentityServer.UserName, account.UserName);
        Assert.Equal(FakeIdentityServer.TenantGuid, account.TenantId);
        Assert.Equal(ConnectionKind.Msal, account.Kind);
        Assert.Contains("http://127.0.0.1:1/Files.ReadWrite.AppFolder", account.Scopes);
        Assert.True(account.AccessTokenExpiresOn > DateTimeOffset.UtcNow.AddMinutes(50));
        // The instructions reached the user through the observer, with the URL and the code.
        Assert.Contains("/devicelogin", observer.LastInformation);
        Assert.Matches("FAKE[0-9]{4}", observer.LastInformation);
        // MSAL polled through authorization_pending: two device-code token requests.
        Assert.Equal(2, f.Server.TokenRequestForms.Count(r => r["grant_type"].EndsWith("device_code")));
        Assert.Contains("offline_access", f.Server.TokenRequestForms.First()["scope"]);
        Assert.Empty(f.Server.Unexpected);

        var store = new ConnectionStore(f.Home);
        Assert.True(File.Exists(store.TokenCache.Path));
        Assert.True(OwnerOnlyFile.IsOwnerOnly(store.TokenCache.Path));
        Assert.NotNull(account.RefreshTokenUpdatedOn);
        // Get-OffsiteAccount later shows the same, from files only.
        var later = f.SignIn().GetAccount()!;
        Assert.Equal(account.UserName, later.UserName);
        Assert.Equal(account.AccessTokenExpiresOn!.Value.ToUnixTimeSeconds(), later.AccessTokenExpiresOn!.Value.ToUnixTimeSeconds());
        Assert.False(later.RefreshTokenAgeWarning(DateTimeOffset.UtcNow));

        foreach (var message in observer.Messages) f.AssertNoSecretIn(message);
        f.AssertNoSecretIn(account.ToString());
    }

    [UnixFact]
    public async Task DeviceCode_StoresTheTokenCacheWithMode0600()
    {
        using var f = new AuthFixture();
        await f.SignInWithDeviceCodeAsync();
        var cache = new ConnectionStore(f.Home).TokenCache.Path;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cache));
    }

    [Fact]
    public async Task DriveScopeMode_AsksForFilesReadWriteOnTheGraphHost()
    {
        using var f = new AuthFixture(scope: Engine.Config.ScopeMode.Drive);
        var account = await f.SignInWithDeviceCodeAsync();
        var scope = f.Server.TokenRequestForms.First()["scope"].Split(' ');
        Assert.Contains("http://127.0.0.1:1/Files.ReadWrite", scope);
        Assert.Contains("offline_access", scope);
        Assert.DoesNotContain(scope, s => s.EndsWith("AppFolder"));
        Assert.Equal(FakeIdentityServer.UserName, account.UserName);
    }
}
