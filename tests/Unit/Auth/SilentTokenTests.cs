using System.Diagnostics;
using System.Text.Json;
using OnedriveOffsite.Engine.Auth;
using OnedriveOffsite.Engine.Errors;
using Xunit;

namespace OnedriveOffsite.Tests.Auth;

public sealed class SilentTokenTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static IReadOnlyList<string> RefreshTokensInCacheFile(AuthFixture f)
    {
        // MSAL's V3 JSON, read through the engine's cache file as a second process would (owner-only plain JSON on
        // Linux/macOS, DPAPI-unprotected on Windows): the same check runs on every OS.
        using var doc = JsonDocument.Parse(new TokenCacheFile(f.Home).Read()!);
        return doc.RootElement.GetProperty("RefreshToken").EnumerateObject().Select(p => p.Value.GetProperty("secret").GetString()!).ToList();
    }

    [Fact]
    public async Task ExpiredAccessToken_IsRefreshedSilently_AndRotatedRefreshTokenIsPersisted()
    {
        using var f = new AuthFixture();
        f.Server.AccessTokenLifetimeSeconds = 60; // inside MSAL's 5-minute margin: treated as expired
        await f.SignInWithDeviceCodeAsync();
        var signInRefreshToken = f.Server.CurrentRefreshToken;
        var stateFile = new ConnectionStore(f.Home).TokenCache;
        File.WriteAllText(stateFile.StatePath, "2026-01-01T00:00:00.0000000+00:00");
        using var cts = new CancellationTokenSource(Timeout);

        var observer = new RecordingObserver();
        var token = await f.TokenSource(observer).GetAccessTokenAsync(forceRefresh: false, cts.Token);

        Assert.StartsWith("access-token-", token);
        Assert.Equal(1, f.Server.RefreshRedemptions);
        Assert.NotEqual(signInRefreshToken, f.Server.CurrentRefreshToken);
        Assert.Equal(new[] { f.Server.CurrentRefreshToken! }, RefreshTokensInCacheFile(f)); // the new one replaced the redeemed one on disk
        Assert.True(stateFile.ReadRefreshTokenUpdatedOn() > DateTimeOffset.UtcNow.AddMinutes(-1)); // rotation recorded
        foreach (var message in observer.Messages) f.AssertNoSecretIn(message);

        // A new instance (what the next process does) continues with the rotated token from the file.
        var again = await f.TokenSource().GetAccessTokenAsync(false, cts.Token);
        Assert.NotEqual(token, again);
        Assert.Equal(2, f.Server.RefreshRedemptions);
        Assert.Equal(0, f.Server.StaleRefreshTokenUses);
        Assert.Empty(f.Server.Unexpected); // no instance discovery or other call outside the test authority
    }

    [Fact]
    public async Task SecondInstance_GetsCachedTokenWithoutNetwork_AndForceRefreshAfter401GoesToServer()
    {
        using var f = new AuthFixture();
        var account = await f.SignInWithDeviceCodeAsync();
        var requests = f.Server.TokenRequests;
        using var cts = new CancellationTokenSource(Timeout);

        var source = f.TokenSource();
        var cached = await source.GetAccessTokenAsync(false, cts.Token);
        Assert.Equal(requests, f.Server.TokenRequests); // valid token in the cache file: no request
        Assert.Same(cached, await source.GetAccessTokenAsync(false, cts.Token)); // in-memory fast path
        Assert.Equal(FakeIdentityServer.UserName, source.UserName);

        Assert.True(f.Server.IsAccessTokenValid(cached));
        f.Server.ExpireAllAccessTokens(); // Graph would now answer 401: the caller forces a refresh
        var refreshed = await source.GetAccessTokenAsync(forceRefresh: true, cts.Token);
        Assert.True(f.Server.IsAccessTokenValid(refreshed));
        Assert.NotEqual(cached, refreshed);
        Assert.Equal(1, f.Server.RefreshRedemptions);
        // Other workers that got the same 401 right after share that refresh instead of each redeeming again.
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => source.GetAccessTokenAsync(true, cts.Token)));
        Assert.All(concurrent, t => Assert.Equal(refreshed, t));
        Assert.Equal(1, f.Server.RefreshRedemptions);
    }

    [Fact]
    public async Task InvalidGrant_FailsFastWithSignInRequired_NoSecretsInMessage()
    {
        using var f = new AuthFixture();
        f.Server.AccessTokenLifetimeSeconds = 60;
        await f.SignInWithDeviceCodeAsync();
        f.Server.RefreshAnswersInvalidGrant = true;
        using var cts = new CancellationTokenSource(Timeout);
        var source = f.TokenSource();

        var watch = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => source.GetAccessTokenAsync(false, cts.Token));
        watch.Stop();

        Assert.Equal("SignInRequired", ex.ErrorId);
        Assert.Equal(OffsiteErrorCategory.AuthenticationError, ex.Category);
        Assert.Contains("Connect-OffsiteAccount", ex.Message);
        // Fast = no retry loop (MSAL answers invalid_grant at once); a wide bound, far below the 30 s test timeout
        // that a retried or waiting refresh would run into.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        f.AssertNoSecretIn(ex.ToString());
        // A retry by the caller fails the same way, quickly (MSAL's throttling cache or the server again).
        var again = await Assert.ThrowsAsync<OffsiteException>(() => f.TokenSource().GetAccessTokenAsync(false, cts.Token));
        Assert.Equal("SignInRequired", again.ErrorId);
    }

    [Fact]
    public async Task OverlappingRuns_NeverRedeemTheSameRotatingRefreshToken()
    {
        using var f = new AuthFixture();
        f.Server.AccessTokenLifetimeSeconds = 60; // every call refreshes
        await f.SignInWithDeviceCodeAsync();
        using var cts = new CancellationTokenSource(Timeout);
        var runs = Enumerable.Range(0, 3).Select(_ => f.TokenSource()).ToList();

        var tokens = await Task.WhenAll(runs.SelectMany(run => Enumerable.Range(0, 3).Select(_ => Task.Run(() => run.GetAccessTokenAsync(false, cts.Token)))));

        Assert.All(tokens, t => Assert.StartsWith("access-token-", t));
        Assert.Equal(0, f.Server.StaleRefreshTokenUses); // the strict server would have answered invalid_grant
        Assert.True(f.Server.RefreshRedemptions >= 3);
    }

    [Fact]
    public async Task ChangedAppSettings_RequireANewSignIn()
    {
        using var f = new AuthFixture();
        await f.SignInWithDeviceCodeAsync();
        new Engine.Config.AppSettingsStore(f.Home).Save(f.Settings with { ScopeMode = Engine.Config.ScopeMode.Drive, DriveFolder = "Backups" }, null);
        var ex = Assert.Throws<OffsiteException>(() => f.TokenSource());
        Assert.Equal("SignInRequired", ex.ErrorId);
    }
}
