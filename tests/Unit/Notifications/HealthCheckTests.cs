using System.Text;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Notifications;
using OnedriveOffsite.Tests.Snapshots;
using Xunit;

namespace OnedriveOffsite.Tests.Notifications;

/// <summary>
/// The health-check pings (healthchecks.io style) around real backups, received by a loopback HTTP server:
/// /start when a run begins, the URL itself on success, /fail on failure, each POST with a summary body.
/// </summary>
public sealed class HealthCheckTests : IDisposable
{
    private readonly EngineFixture _f = new();
    private readonly ConfigHome _home;

    public HealthCheckTests() => _home = new ConfigHome(Path.Combine(_f.Root, "home"));

    public void Dispose() => _f.Dispose();

    private void Configure(Uri url) =>
        new NotificationStore(_home).Save(new NotificationSettings { Provider = NotificationProvider.None, HealthCheckUrl = url }, null);

    private Task<BackupResult> Run(BackupRequest request, RecordingObserver observer) =>
        NotifiedRun.RunAsync(_home, notify: true, observer,
            (o, ct) => new BackupOperation(_f.Repository, _f.Key).RunAsync(request, o, ct),
            (r, tail) => OperationReports.BackupSucceeded(request, r, tail),
            (ex, duration, tail) => OperationReports.Failed(OperationKind.Backup, request.SetName, request.SourcePath, ex, duration, tail),
            CancellationToken.None, startSummary: $"Backup of {request.SetName} started");

    [Fact]
    public async Task A_successful_backup_pings_start_then_success_without_mail()
    {
        await using var server = new LoopbackHttpServer(200, "OK");
        Configure(new Uri(server.BaseUri, "/ping/abc-123"));
        var source = _f.WriteSource("db.sql", EngineFixture.Text(100_000));

        var result = await Run(new BackupRequest(source, "nightly", EngineFixture.Part, SegmentSize: EngineFixture.Segment), new RecordingObserver());

        Assert.Equal(new[] { "POST /ping/abc-123/start", "POST /ping/abc-123" }, server.Requests.Select(r => $"{r.Method} {r.Target}"));
        var body = Encoding.UTF8.GetString(server.Requests[1].Body);
        Assert.Contains(result.Snapshot.SnapshotId, body);
        Assert.Contains("succeeded", body);
    }

    [Fact]
    public async Task A_failed_backup_pings_fail_with_the_error_id()
    {
        await using var server = new LoopbackHttpServer(200, "OK");
        Configure(new Uri(server.BaseUri, "/ping/abc-123/"));

        await Assert.ThrowsAnyAsync<Exception>(() => Run(new BackupRequest(Path.Combine(_f.Root, "missing.sql"), "nightly", EngineFixture.Part), new RecordingObserver()));

        Assert.Equal(new[] { "/ping/abc-123/start", "/ping/abc-123/fail" }, server.Requests.Select(r => r.Target));
        Assert.Contains("SourceNotFound", Encoding.UTF8.GetString(server.Requests[1].Body));
    }

    [Fact]
    public async Task A_refused_ping_only_warns_and_never_shows_the_url_path()
    {
        await using var server = new LoopbackHttpServer(500, "down");
        Configure(new Uri(server.BaseUri, "/ping/secret-uuid"));
        var observer = new RecordingObserver();
        var source = _f.WriteSource("db.sql", EngineFixture.Text(10_000));

        var result = await Run(new BackupRequest(source, "nightly", EngineFixture.Part, SegmentSize: EngineFixture.Segment), observer);

        Assert.Equal(SnapshotState.Complete, result.Snapshot.State);
        Assert.Equal(2, observer.Warnings.Count(w => w.Contains("HTTP 500", StringComparison.Ordinal)));
        Assert.DoesNotContain("secret-uuid", observer.AllText);
    }

    [Theory]
    [InlineData("http://example.org/ping/x")]
    [InlineData("ftp://127.0.0.1/x")]
    public void Only_https_or_loopback_http_urls_are_accepted(string url)
    {
        var e = Assert.Throws<OnedriveOffsite.Engine.Errors.OffsiteException>(() => Configure(new Uri(url)));
        Assert.Equal(NotificationErrors.NotificationSettingsInvalid, e.ErrorId);
    }

    [Fact]
    public void The_signal_addresses_follow_healthchecks_io()
    {
        var url = new Uri("https://hc-ping.com/0b1c2d3e?rid=1");
        Assert.Equal("https://hc-ping.com/0b1c2d3e/start?rid=1", HealthCheckPinger.AddressFor(url, HealthCheckSignal.Start).ToString());
        Assert.Equal("https://hc-ping.com/0b1c2d3e/fail?rid=1", HealthCheckPinger.AddressFor(url, HealthCheckSignal.Failure).ToString());
        Assert.Equal(url, HealthCheckPinger.AddressFor(url, HealthCheckSignal.Success));
    }
}
