using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using OnedriveOffsite.GraphEmulator.Faults;
using OnedriveOffsite.GraphEmulator.Http;
using OnedriveOffsite.GraphEmulator.Identity;
using OnedriveOffsite.GraphEmulator.Routes;
using OnedriveOffsite.GraphEmulator.Store;

namespace OnedriveOffsite.GraphEmulator;

/// <summary>
/// A strict Microsoft Graph / OneDrive emulator on 127.0.0.1 with fault injection, for tests.
/// <c>await using var emu = await GraphEmulatorServer.StartAsync(new EmulatorOptions { ... });</c>
/// </summary>
public sealed class GraphEmulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EmulatorState _state;
    private int _disposed;

    private GraphEmulatorServer(WebApplication app, EmulatorState state, IdentityAuthority? identity)
    {
        _app = app;
        _state = state;
        Identity = identity;
    }

    /// <summary>The fake identity authority (null unless EmulatorOptions.IdentityCertificatePath is set).</summary>
    internal IdentityAuthority? Identity { get; }

    /// <summary>Authority host of the identity authority, e.g. https://127.0.0.1:40124/ (null without one).</summary>
    public Uri? IdentityUri { get; private set; }

    /// <summary>Graph root WITHOUT "/v1.0", e.g. http://127.0.0.1:40123/.</summary>
    public Uri BaseUri { get; private set; } = null!;

    /// <summary>BaseUri + "v1.0/", what a GraphServiceClient's base URL should be.</summary>
    public Uri GraphUri => new(BaseUri, "v1.0/");

    /// <summary>The most recently issued bearer token (invalid after ExpireAccessTokens until IssueToken).</summary>
    public string AccessToken => _state.Tokens.Current;

    public string DriveId => _state.Store.DriveId;

    /// <summary>Live fault injection settings.</summary>
    public FaultSettings Faults => _state.Faults;

    /// <summary>Hostile-service behaviours (stalls, unprogressing answers, foreign paging links).</summary>
    public HostileBehaviors Hostile => _state.Hostile;

    /// <summary>A fresh snapshot of the counters and stored files.</summary>
    public EmulatorStats Stats => _state.Stats.Snapshot(_state.Store.Files());

    /// <summary>The unique directory holding stored content (deleted on dispose).</summary>
    public string StorageDirectory => _state.StorageDirectory;

    public EmulatorOptions Options => _state.Options;

    public static Task<GraphEmulatorServer> StartAsync(EmulatorOptions? options = null, CancellationToken ct = default) =>
        StartAsync(options ?? new EmulatorOptions(), useConsoleLifetime: false, ct);

    internal static async Task<GraphEmulatorServer> StartAsync(EmulatorOptions options, bool useConsoleLifetime,
        CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PageSize, 1);
        var storage = Path.Combine(options.StorageDirectory ?? Path.GetTempPath(),
            "graph-emulator-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(storage);

        var faults = new FaultSettings(options.FaultSeed)
        {
            Rate = options.FaultRate,
            Kinds = options.FaultKinds,
            RetryAfterSeconds = options.RetryAfterSeconds,
            RetryAfterOmittedRate = options.RetryAfterOmittedRate,
        };
        var state = new EmulatorState
        {
            Options = options,
            Store = new DriveStore(options.DriveId, options.AppName, Path.Combine(storage, "blobs")),
            Sessions = new UploadSessions(Path.Combine(storage, "sessions"), options.UploadSessionIdleLifetime,
                options.UploadSessionMaxLifetime, options.Clock),
            Downloads = new DownloadGrants(options.DownloadUrlLifetime, options.Clock),
            Tokens = new AccessTokens(options.AcceptedTokens),
            RetryAfter = new RetryAfterGate(options.RetryAfterTolerance, options.RetryAfterInFlightGrace, options.Clock),
            Faults = faults,
            Stats = new StatsRecorder(),
            StorageDirectory = storage,
        };

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Production",
        });
        builder.Logging.ClearProviders();
        var identity = options.IdentityCertificatePath is null ? null : new IdentityAuthority(state.Tokens, options.IdentityAccessTokenLifetime);
        var certificate = options.IdentityCertificatePath is { } pem ? IdentityCertificate.Create(pem) : null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, options.Port);
            if (certificate is not null) k.Listen(IPAddress.Loopback, options.IdentityPort, l => l.UseHttps(certificate));
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = null; // the emulator enforces OneDrive's own limits and answers like it
        });
        if (!useConsoleLifetime) builder.Services.AddSingleton<IHostLifetime, InProcessLifetime>();

        var app = builder.Build();
        // An emulator bug must not pass for an injected 500 that a retrying client shrugs off: count it.
        app.Use(async (ctx, next) =>
        {
            try { await next(ctx); }
            catch (Exception e) when (!ClientWentAway(e, ctx))
            {
                state.Stats.InternalError();
                if (!ctx.Response.HasStarted)
                {
                    ctx.Response.Clear();
                    await GraphResponses.Error(ctx, 500, "emulatorError", $"Emulator bug: {e.GetType().Name}: {e.Message}");
                }
                else ctx.Abort();
            }
        });
        var graph = new GraphApiHandler(state);
        var upload = new UploadSessionHandler(state);
        var download = new DownloadHandler(state);
        app.Map("/v1.0/{**rest}", graph.HandleAsync);
        app.Map("/_upload/{sessionId}", (HttpContext ctx, string sessionId) => upload.HandleAsync(ctx, sessionId));
        app.Map("/_download/{token}", (HttpContext ctx, string token) => download.HandleAsync(ctx, token));
        if (identity is not null) IdentityAuthority.Map(app, identity);
        var server = new GraphEmulatorServer(app, state, identity);
        AdminEndpoints.Map(app, server);
        HostileEndpoints.Map(app, server);

        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            await app.DisposeAsync();
            TryDeleteDirectory(storage);
            throw;
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        server.BaseUri = new Uri($"http://127.0.0.1:{addresses.First(a => a.Scheme == Uri.UriSchemeHttp).Port}/");
        if (identity is not null)
        {
            identity.Port = addresses.First(a => a.Scheme == Uri.UriSchemeHttps).Port;
            server.IdentityUri = new Uri($"https://127.0.0.1:{identity.Port}/");
        }
        return server;
    }

    /// <summary>Issues and returns a new valid bearer token (it becomes <see cref="AccessToken"/>).</summary>
    public string IssueToken() => _state.Tokens.Issue();

    /// <summary>Accepts <paramref name="token"/> from now on.</summary>
    public void AddToken(string token) => _state.Tokens.Add(token);

    /// <summary>Every token issued so far becomes expired (401 InvalidAuthenticationToken).</summary>
    public void ExpireAccessTokens() => _state.Tokens.ExpireAll();

    /// <summary>Every download URL handed out so far answers 401 from now on.</summary>
    public void ExpireDownloadUrls() => _state.Downloads.ExpireAll();

    /// <summary>Every open upload session disappears (404).</summary>
    public void ExpireUploadSessions() => _state.Sessions.ExpireAll();

    public void ResetStats() => _state.Stats.Reset();

    /// <summary>
    /// Flips one byte in the middle of a stored file without changing its reported quickXorHash, as silent
    /// corruption at rest would. <paramref name="pathOrId"/>: "/Apps/x/y.bin" from the drive root, or an item id.
    /// </summary>
    public StoredFileInfo CorruptStoredFile(string pathOrId)
    {
        var node = _state.Store.FindByPathOrId(pathOrId);
        if (node is null || node.IsFolder) throw new FileNotFoundException($"No stored file '{pathOrId}'.");
        lock (_state.Store.Sync)
        {
            if (node.FileSize == 0) throw new InvalidOperationException($"'{pathOrId}' is empty; nothing to corrupt.");
            using var stream = new FileStream(node.BlobPath!, FileMode.Open, FileAccess.ReadWrite);
            stream.Position = node.FileSize / 2;
            int b = stream.ReadByte();
            stream.Position = node.FileSize / 2;
            stream.WriteByte((byte)(b ^ 0xFF));
            return new StoredFileInfo(node.Id, node.Path, node.FileSize, node.QuickXorHash);
        }
    }

    /// <summary>
    /// The next file committed whose name starts with <paramref name="namePrefix"/> is damaged after its upload was
    /// acknowledged with the right hash; the drive then reports the hash of the damaged bytes (see AtRestDamage).
    /// </summary>
    public void DamageNextStoredFile(string namePrefix = "") => _state.AtRestDamage.Arm(namePrefix);

    /// <summary>
    /// Test setup at scale: adds files named <paramref name="names"/> with the same small content under
    /// <paramref name="folderPath"/> (relative to the app folder, e.g. "set1/packs"), without any request.
    /// </summary>
    public void SeedAppFolderFiles(string folderPath, IEnumerable<string> names, byte[] content) =>
        _state.Store.Seed(_state.Store.AppRoot(), folderPath.Split('/', StringSplitOptions.RemoveEmptyEntries), names, content,
            Hashing.ReferenceQuickXorHash.Compute(content));

    /// <summary>Opens the stored bytes of a file (path from the root or id) for reading, for assertions.</summary>
    public Stream OpenStoredFile(string pathOrId)
    {
        var node = _state.Store.FindByPathOrId(pathOrId);
        if (node is null || node.IsFolder) throw new FileNotFoundException($"No stored file '{pathOrId}'.");
        lock (_state.Store.Sync)
            return new FileStream(node.BlobPath!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
    }

    /// <summary>Completes when the host is asked to stop (SIGTERM / Ctrl+C in the standalone program).</summary>
    internal Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(timeout.Token);
        }
        finally
        {
            await _app.DisposeAsync();
            TryDeleteDirectory(_state.StorageDirectory);
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>In-process use must not hook the test host's Ctrl+C/SIGTERM handling.</summary>
    private sealed class InProcessLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>
    /// The client, not the emulator, ended the exchange: it reset the connection or stopped sending a body (a run that
    /// failed on one part cancels the others' uploads mid-body), or cancelled while the emulator waited on it.
    /// </summary>
    private static bool ClientWentAway(Exception e, HttpContext ctx) =>
        e is Microsoft.AspNetCore.Connections.ConnectionResetException or Microsoft.AspNetCore.Http.BadHttpRequestException
        || (e is (OperationCanceledException or IOException) && ctx.RequestAborted.IsCancellationRequested);
}
