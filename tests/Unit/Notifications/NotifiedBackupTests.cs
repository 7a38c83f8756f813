using System.Net;
using System.Net.Sockets;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Notifications;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Tests.Snapshots;
using Xunit;

namespace OnedriveOffsite.Tests.Notifications;

/// <summary>
/// Real backups with notifications configured, as Start-OffsiteBackup runs them (NotifiedRun around
/// BackupOperation): a broken mail setting never fails a good backup, and a failed backup mails its own error.
/// </summary>
public sealed class NotifiedBackupTests : IDisposable
{
    private const string User = "backup-bot";
    private const string Password = "Notified-Backup-Pa55/word";
    private readonly EngineFixture _f = new();
    private readonly ConfigHome _home;

    public NotifiedBackupTests() => _home = new ConfigHome(Path.Combine(_f.Root, "home"));

    public void Dispose() => _f.Dispose();

    private void ConfigureSmtp(int port) =>
        new NotificationStore(_home).Save(new NotificationSettings
        {
            Provider = NotificationProvider.Smtp, To = new[] { "admin@example.com" }, From = "backup@example.com",
            On = NotificationTrigger.Success | NotificationTrigger.Failure,
            Smtp = new SmtpSettings { Server = "127.0.0.1", Port = port, Security = SmtpSecurity.StartTls, UserName = User, CertificateThumbprint = TestCertificates.Sha256Thumbprint },
        }, Password);

    private Task<BackupResult> Run(BackupRequest request, RecordingObserver observer) =>
        NotifiedRun.RunAsync(_home, notify: true, observer,
            (o, ct) => new BackupOperation(_f.Repository, _f.Key).RunAsync(request, o, ct),
            (r, tail) => OperationReports.BackupSucceeded(request, r, tail),
            (ex, duration, tail) => OperationReports.Failed(OperationKind.Backup, request.SetName, request.SourcePath, ex, duration, tail),
            CancellationToken.None);

    [Fact]
    public async Task A_backup_with_a_broken_mail_setting_succeeds_and_warns()
    {
        ConfigureSmtp(ClosedPort());
        var observer = new RecordingObserver();
        var source = _f.WriteSource("db.sql", EngineFixture.Text(300_000));

        var result = await Run(new BackupRequest(source, "nightly", EngineFixture.Part, SegmentSize: EngineFixture.Segment), observer);

        Assert.Equal(SnapshotState.Complete, result.Snapshot.State);
        Assert.Contains(observer.Warnings, w => w.StartsWith("The notification mail could not be sent", StringComparison.Ordinal));
        Assert.DoesNotContain(Password, observer.AllText);
    }

    [Fact]
    public async Task A_successful_backup_mails_its_facts()
    {
        await using var server = await LoopbackSmtpServer.StartAsync(User, Password);
        ConfigureSmtp(server.Port);
        var source = _f.WriteSource("db.sql", EngineFixture.Text(300_000));
        var result = await Run(new BackupRequest(source, "nightly", EngineFixture.Part, SegmentSize: EngineFixture.Segment), new RecordingObserver());
        var message = Assert.Single(server.Mails).Message;
        Assert.Equal("Successful Offsite Backup - nightly", message.Subject);
        Assert.Contains(result.Snapshot.SnapshotId, message.TextBody);
        Assert.Contains(result.Snapshot.Sha256!, message.TextBody);
    }

    [Fact]
    public async Task A_failing_backup_sends_the_failure_mail_and_still_reports_its_own_error()
    {
        await using var server = await LoopbackSmtpServer.StartAsync(User, Password);
        ConfigureSmtp(server.Port);
        var observer = new RecordingObserver();
        var missing = Path.Combine(_f.Root, "missing.vma.zst");

        var ex = await Assert.ThrowsAsync<OffsiteException>(() => Run(new BackupRequest(missing, "nightly"), observer));

        Assert.Equal("SourceNotFound", ex.ErrorId);
        var message = Assert.Single(server.Mails).Message;
        Assert.Equal("Error - nightly", message.Subject);
        Assert.Contains("SourceNotFound", message.TextBody);
        Assert.DoesNotContain(Password, message.TextBody);
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
