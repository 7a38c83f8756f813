using System.Diagnostics;
using System.Text.Json;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories.OneDrive;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Restore;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.GraphEmulator;
using Xunit;
using Xunit.Abstractions;

namespace OnedriveOffsite.Tests.Auth;

/// <summary>
/// Unattended runs end to end: MSAL for real (silent acquisition from the cache a device-code sign-in filled,
/// against <see cref="FakeIdentityServer"/>), the OneDrive repository against the strict Graph emulator, which
/// accepts exactly the access tokens the identity server issued. Tokens expire in the middle of a multi-part
/// backup, so Graph answers 401 and the run must refresh silently (or fail fast when it cannot).
/// </summary>
public sealed class UnattendedRefreshTests(ITestOutputHelper output)
{
    private const int PartSize = 1 << 20;

    private sealed class Rig : IAsyncDisposable
    {
        public required GraphEmulatorServer Emulator { get; init; }
        public required AuthFixture Auth { get; init; }
        public required OneDriveRepository Repository { get; init; }
        public required string Root { get; init; }
        public required RecordingObserver Observer { get; init; }
        public MasterKey Key { get; } = MasterKey.Generate();

        public static async Task<Rig> StartAsync()
        {
            var emu = await GraphEmulatorServer.StartAsync(new EmulatorOptions());
            var auth = new AuthFixture(graphEndpoint: emu.BaseUri);
            auth.Server.AccessTokenIssued += emu.AddToken; // Graph accepts what the identity server issues, nothing else
            emu.ExpireAccessTokens(); // ...not even the emulator's own start-up token
            await auth.SignInWithDeviceCodeAsync();
            var root = Path.Combine(Path.GetTempPath(), "oo-unattended-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(root);
            var observer = new RecordingObserver();
            // No TokenSource: the repository builds the MSAL token source from the config home, as a scheduled run does.
            var repository = OneDriveRepository.Open(auth.Home, "onedrive:/nightly", observer, new OneDriveOptions
            {
                FragmentSize = 4 * OneDriveOptions.FragmentUnit,
                InitialBackoff = TimeSpan.FromMilliseconds(50),
                MaxBackoff = TimeSpan.FromSeconds(2),
                IdentityHttpClientFactory = () => auth.Server.CreateHttpClient(),
            });
            return new Rig { Emulator = emu, Auth = auth, Root = root, Repository = repository, Observer = observer };
        }

        public string Source(int length)
        {
            var content = new byte[length];
            new Random(7).NextBytes(content);
            var path = Path.Combine(Root, "vm.bin");
            File.WriteAllBytes(path, content);
            return path;
        }

        public Task<BackupResult> BackupAsync(string path, IOperationObserver observer, CancellationToken ct) =>
            new BackupOperation(Repository, Key).RunAsync(new BackupRequest(path, "nightly", PartSize, CompressionMode.Auto, 2), observer, ct);

        public ExpireTokensAfterParts ExpireTokensAfterStoredParts(int parts) => new(this, parts);

        public async ValueTask DisposeAsync()
        {
            Repository.Dispose();
            Auth.Dispose();
            await Emulator.DisposeAsync();
            try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// The backup's observer: once the engine reports its Nth stored part, every access token dies (both sides agree),
    /// at that known point on the engine's own thread rather than from a poller racing the upload.
    /// </summary>
    private sealed class ExpireTokensAfterParts(Rig rig, int parts) : IOperationObserver
    {
        private int _stored;

        /// <summary>Started when the tokens expired; null if the backup never got that far.</summary>
        public Stopwatch? SinceExpiry { get; private set; }

        public void Verbose(string message)
        {
            rig.Observer.Verbose(message);
            if (!message.StartsWith("Stored part-", StringComparison.Ordinal) || Interlocked.Increment(ref _stored) != parts) return;
            rig.Auth.Server.ExpireAllAccessTokens();
            rig.Emulator.ExpireAccessTokens();
            SinceExpiry = Stopwatch.StartNew();
        }

        public void Warning(string message) => rig.Observer.Warning(message);
        public void Progress(OperationProgress progress) => rig.Observer.Progress(progress);
    }

    private static string[] RefreshTokensInCacheFile(AuthFixture f)
    {
        // MSAL's V3 JSON, read through the engine's cache file as the next run would (owner-only plain JSON on
        // Linux/macOS, DPAPI-unprotected on Windows): the same check runs on every OS.
        using var doc = JsonDocument.Parse(new OnedriveOffsite.Engine.Auth.TokenCacheFile(f.Home).Read()!);
        return doc.RootElement.GetProperty("RefreshToken").EnumerateObject().Select(p => p.Value.GetProperty("secret").GetString()!).ToArray();
    }

    private static string[] GrantsAfterSignIn(FakeIdentityServer server, int signInRequests) =>
        server.TokenRequestForms.Skip(signInRequests).Select(form => form["grant_type"]).ToArray();

    [Fact]
    public async Task TokensExpiringMidBackup_AreRefreshedSilently_AndTheRotatedRefreshTokenIsPersisted()
    {
        var sw = Stopwatch.StartNew();
        await using var rig = await Rig.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var signInRefreshToken = rig.Auth.Server.CurrentRefreshToken;
        var signInRequests = rig.Auth.Server.TokenRequestForms.Count;
        var source = rig.Source(8 * PartSize + 12345);

        var expiry = rig.ExpireTokensAfterStoredParts(2);
        var result = await rig.BackupAsync(source, expiry, cts.Token);
        Assert.True(expiry.SinceExpiry is not null, "the tokens must expire while the backup runs");
        var restored = Path.Combine(rig.Root, "restored.bin");
        await new RestoreOperation(rig.Repository, rig.Key).RunAsync(new SnapshotLocation(result.Snapshot.Set, result.Snapshot.SnapshotId), restored, false, 2, rig.Observer, cts.Token);
        output.WriteLine($"{sw.Elapsed.TotalSeconds:0.0} s; grants after sign-in: {string.Join(", ", GrantsAfterSignIn(rig.Auth.Server, signInRequests))}");

        Assert.Equal(SnapshotState.Complete, result.Snapshot.State);
        Assert.True(File.ReadAllBytes(source).AsSpan().SequenceEqual(File.ReadAllBytes(restored)));
        var stats = rig.Emulator.Stats;
        Assert.True(stats.UnauthorizedRequests >= 1, "Graph must have answered 401 to the expired token");
        Assert.True(rig.Auth.Server.RefreshRedemptions >= 1);
        // Nothing but silent refreshes after the sign-in: no device code, no prompt, nothing outside the authority.
        Assert.All(GrantsAfterSignIn(rig.Auth.Server, signInRequests), grant => Assert.Equal("refresh_token", grant));
        Assert.DoesNotContain(rig.Observer.Messages, m => m.StartsWith("PROMPT:") || m.StartsWith("INFO:"));
        Assert.Equal(0, rig.Auth.Server.StaleRefreshTokenUses);
        Assert.Empty(rig.Auth.Server.Unexpected);
        // The rotated refresh token replaced the redeemed one on disk, so the next run can refresh too.
        Assert.NotEqual(signInRefreshToken, rig.Auth.Server.CurrentRefreshToken);
        Assert.Equal([rig.Auth.Server.CurrentRefreshToken!], RefreshTokensInCacheFile(rig.Auth));
        Assert.Equal(0, stats.InternalErrors);
        Assert.Equal(0, stats.AuthorizationHeaderViolations);
        foreach (var message in rig.Observer.Messages) rig.Auth.AssertNoSecretIn(message);
        // A wide bound (a healthy run takes a few seconds): catches only a refresh that waits for a timeout.
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(50), $"took {sw.Elapsed}");
    }

    [Fact]
    public async Task InvalidGrantMidBackup_FailsFastWithSignInRequired()
    {
        await using var rig = await Rig.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var source = rig.Source(8 * PartSize + 12345);
        rig.Auth.Server.RefreshAnswersInvalidGrant = true; // revoked, or 90 days idle

        var expiry = rig.ExpireTokensAfterStoredParts(2);
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => rig.BackupAsync(source, expiry, cts.Token));
        Assert.True(expiry.SinceExpiry is not null, "the tokens must expire while the backup runs");
        var sinceExpiry = expiry.SinceExpiry.Elapsed;
        output.WriteLine($"failed {sinceExpiry.TotalMilliseconds:0} ms after the tokens expired: {ex.ErrorId}: {ex.Message}");

        Assert.Equal("SignInRequired", ex.ErrorId);
        Assert.Equal(OffsiteErrorCategory.AuthenticationError, ex.Category);
        Assert.Contains("Connect-OffsiteAccount", ex.Message);
        // "Fast" is proven by the attempt count below (no retry loop); the time bound is a wide margin on top that
        // only a wait for a timeout (30 s per HTTP attempt, or MSAL's own retries) would exceed.
        Assert.True(sinceExpiry < TimeSpan.FromSeconds(25), $"took {sinceExpiry} after the tokens expired");
        // Not retried like a flaky network: one refresh attempt per worker that saw the 401, at most.
        var refreshAttempts = rig.Auth.Server.TokenRequestForms.Count(form => form["grant_type"] == "refresh_token");
        Assert.InRange(refreshAttempts, 1, 2);
        rig.Auth.AssertNoSecretIn(ex.ToString());
        foreach (var message in rig.Observer.Messages) rig.Auth.AssertNoSecretIn(message);
    }
}
