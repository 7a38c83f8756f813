using System.Text;
using OnedriveOffsite.Engine.Auth;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.IO;
using Xunit;

namespace OnedriveOffsite.Tests.Auth;

public sealed class ConnectionLifecycleTests
{
    private static string Jwt(DateTimeOffset expires) =>
        "eyJhbGciOiJub25lIn0." + Convert.ToBase64String(Encoding.UTF8.GetBytes(
            $"{{\"exp\":{expires.ToUnixTimeSeconds()},\"upn\":\"someone@example.test\",\"tid\":\"t1\",\"scp\":\"Files.ReadWrite.AppFolder\"}}")).TrimEnd('=') + ".sig";

    [Fact]
    public async Task StaticToken_IsPersistedOwnerOnly_ServedByTheFactory_AndCannotRefresh()
    {
        using var f = new AuthFixture();
        await f.SignInWithDeviceCodeAsync();
        var token = Jwt(DateTimeOffset.UtcNow.AddHours(1));
        var observer = new RecordingObserver();

        var account = f.SignIn().ConnectWithAccessToken(token, observer);

        Assert.Equal(ConnectionKind.AccessToken, account.Kind);
        Assert.Equal("someone@example.test", account.UserName);
        Assert.False(File.Exists(f.Home.TokenCacheFile)); // the MSAL sign-in it replaced is gone
        var store = new ConnectionStore(f.Home);
        Assert.True(OwnerOnlyFile.IsOwnerOnly(store.AccessTokenFile));
        Assert.DoesNotContain(token, string.Join("\n", observer.Messages));
        Assert.DoesNotContain(token, account.ToString());

        var source = TokenSourceFactory.Create(f.Home);
        Assert.IsType<StaticAccessTokenSource>(source);
        Assert.Equal(token, await source.GetAccessTokenAsync(false, CancellationToken.None));
        Assert.DoesNotContain(token, source.ToString());
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => source.GetAccessTokenAsync(true, CancellationToken.None));
        Assert.Equal("SignInRequired", ex.ErrorId);
        Assert.DoesNotContain(token, ex.ToString());
    }

    [Fact]
    public void ExpiredJwt_IsRefusedAtConnect()
    {
        using var f = new AuthFixture();
        var ex = Assert.Throws<OffsiteException>(() => f.SignIn().ConnectWithAccessToken(Jwt(DateTimeOffset.UtcNow.AddMinutes(-1)), new RecordingObserver()));
        Assert.Equal("AccessTokenExpired", ex.ErrorId);
    }

    [Fact]
    public async Task Disconnect_RemovesTokens_ThenNotConnected()
    {
        using var f = new AuthFixture();
        await f.SignInWithDeviceCodeAsync();
        Assert.IsType<MsalAccessTokenSource>(TokenSourceFactory.Create(f.Home, () => f.Server.CreateHttpClient()));

        Assert.True(f.SignIn().Disconnect());

        Assert.False(File.Exists(f.Home.TokenCacheFile));
        Assert.Null(f.SignIn().GetAccount());
        Assert.Equal("NotConnected", Assert.Throws<OffsiteException>(() => TokenSourceFactory.Create(f.Home)).ErrorId);
        Assert.False(f.SignIn().Disconnect());
    }

    [Fact]
    public async Task OldRefreshToken_IsFlaggedForAWarning()
    {
        using var f = new AuthFixture();
        await f.SignInWithDeviceCodeAsync();
        new ConnectionStore(f.Home).TokenCache.WriteRefreshTokenUpdatedOn(DateTimeOffset.UtcNow.AddDays(-61));
        var account = f.SignIn().GetAccount()!;
        Assert.True(account.RefreshTokenAgeWarning(DateTimeOffset.UtcNow));
    }
}
