using System.Collections.Concurrent;
using OnedriveOffsite.Engine.Auth;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories.OneDrive;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Restore;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.GraphEmulator;

namespace OnedriveOffsite.Tests.OneDrive;

/// <summary>Bearer tokens straight from the emulator; a forced refresh asks it for a new one (and counts).</summary>
internal sealed class EmulatorTokenSource(GraphEmulatorServer emu) : IAccessTokenSource
{
    public int ForcedRefreshes;

    public Task<string> GetAccessTokenAsync(bool forceRefresh, CancellationToken ct)
    {
        if (!forceRefresh) return Task.FromResult(emu.AccessToken);
        Interlocked.Increment(ref ForcedRefreshes);
        return Task.FromResult(emu.IssueToken());
    }
}

/// <summary>Collects the engine's verbose lines and progress updates (any thread).</summary>
internal sealed class LineObserver : IOperationObserver
{
    public readonly ConcurrentQueue<string> Lines = new();
    public readonly ConcurrentQueue<OperationProgress> Updates = new();
    public void Verbose(string message) => Lines.Enqueue(message);
    public void Warning(string message) => Lines.Enqueue("WARNING: " + message);
    public void Progress(OperationProgress progress) => Updates.Enqueue(progress);
    public string All => string.Join("\n", Lines);
}

/// <summary>An emulator, a config home pointing at it, a OneDrive repository, a key and a temp directory.</summary>
internal sealed class OneDriveFixture : IAsyncDisposable
{
    public const int Fragment = 4 * OneDriveOptions.FragmentUnit; // 1.25 MiB: many fragments per part, quick tests

    private OneDriveFixture(GraphEmulatorServer emu, string root, OneDriveRepository repo, EmulatorTokenSource tokens, LineObserver observer)
    {
        Emulator = emu;
        Root = root;
        Repository = repo;
        Tokens = tokens;
        Observer = observer;
    }

    public GraphEmulatorServer Emulator { get; }
    public string Root { get; }
    public ConfigHome Home => new(Path.Combine(Root, "config"));
    public OneDriveRepository Repository { get; }
    public EmulatorTokenSource Tokens { get; }
    public LineObserver Observer { get; }
    public MasterKey Key { get; } = MasterKey.Generate();

    /// <summary>
    /// Emulator options for the "every fault kind" tests: random faults of every kind on 10% of requests, and
    /// Retry-After margins a loaded machine cannot break. A request another worker already had on the wire when a
    /// 429/503 went out is not a client fault, and the emulator tells the two apart by arrival time: 2 s of
    /// Retry-After with 1 s of grace is a margin no scheduler delay reaches, while a client ignoring the shared gate
    /// still shows up.
    /// </summary>
    public static EmulatorOptions RandomFaults(int seed, TimeSpan? downloadUrlLifetime = null) => new()
    {
        FaultRate = 0.1,
        FaultSeed = seed,
        RetryAfterSeconds = 2,
        RetryAfterInFlightGrace = TimeSpan.FromSeconds(1),
        RetryAfterOmittedRate = 0.3,
        DownloadUrlLifetime = downloadUrlLifetime ?? new EmulatorOptions().DownloadUrlLifetime,
    };

    public static async Task<OneDriveFixture> StartAsync(EmulatorOptions? emulatorOptions = null, string spec = "onedrive:",
        ScopeMode scope = ScopeMode.AppFolder, int fragment = Fragment, long downloadChunk = 8L << 20)
    {
        var emu = await GraphEmulatorServer.StartAsync(emulatorOptions ?? new EmulatorOptions());
        var root = Path.Combine(Path.GetTempPath(), "oo-onedrive-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(root, "src"));
        Directory.CreateDirectory(Path.Combine(root, "out"));
        var home = new ConfigHome(Path.Combine(root, "config"));
        new AppSettingsStore(home).Save(new AppSettings
        {
            ClientId = "3b1c6a52-1c51-4b6e-9a3a-2b0c9c1f0e11",
            ScopeMode = scope,
            DriveFolder = scope == ScopeMode.Drive ? "Backups/Offsite" : null,
            GraphEndpoint = emu.BaseUri,
        }, null);
        var tokens = new EmulatorTokenSource(emu);
        var observer = new LineObserver();
        var repo = OneDriveRepository.Open(home, spec, observer, Options(tokens, fragment, downloadChunk));
        return new OneDriveFixture(emu, root, repo, tokens, observer);
    }

    /// <summary>Another repository (e.g. another sub path) on the same emulator and config home.</summary>
    public OneDriveRepository Open(string spec) => OneDriveRepository.Open(Home, spec, Observer, Options(Tokens, Fragment, 8L << 20));

    private static OneDriveOptions Options(EmulatorTokenSource tokens, int fragment, long downloadChunk) => new()
    {
        FragmentSize = fragment,
        DownloadChunkSize = downloadChunk,
        InitialBackoff = TimeSpan.FromMilliseconds(50),
        MaxBackoff = TimeSpan.FromSeconds(2),
        TokenSource = tokens,
    };

    public string WriteSource(string name, byte[] content)
    {
        var path = Path.Combine(Root, "src", name);
        File.WriteAllBytes(path, content);
        return path;
    }

    public string Out(string name) => Path.Combine(Root, "out", name);

    public async Task<SnapshotInfo> BackupAsync(string path, string set = "set1", long partSize = 1 << 20,
        CompressionMode mode = CompressionMode.Auto, int throttle = 4) =>
        (await new BackupOperation(Repository, Key).RunAsync(new BackupRequest(path, set, partSize, mode, throttle), Observer, default)).Snapshot;

    public Task<RestoreResult> RestoreAsync(SnapshotInfo s, string destination, int throttle = 4) =>
        new RestoreOperation(Repository, Key).RunAsync(new SnapshotLocation(s.Set, s.SnapshotId), destination, false, throttle, Observer, default);

    /// <summary>Protocol hygiene every test asserts: no early requests, no Authorization on pre-authenticated URLs, no emulator bugs.</summary>
    public void AssertCleanProtocol(bool allowRacingEarlyRequests = false)
    {
        var stats = Emulator.Stats;
        Xunit.Assert.Equal(0, stats.InternalErrors);
        Xunit.Assert.Equal(0, stats.AuthorizationHeaderViolations);
        if (!allowRacingEarlyRequests) Xunit.Assert.Equal(0, stats.RequestsBeforeRetryAfter);
        Xunit.Assert.All(stats.UserAgents, ua => Xunit.Assert.StartsWith("ISV|OnedriveOffsite|OnedriveOffsite/", ua));
    }

    public async ValueTask DisposeAsync()
    {
        Repository.Dispose();
        await Emulator.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
