using System.Net;
using System.Net.Sockets;
using System.Text;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Notifications;
using Xunit;

namespace OnedriveOffsite.Tests.Notifications;

/// <summary>The contract Start-/Restore-OffsiteBackup rely on: a mail problem never throws and always says why.</summary>
public sealed class NotificationServiceTests : IDisposable
{
    private const string User = "backup-bot";
    private const string Password = "Service-Test-Pa55/word+X";
    private readonly TempDirectory _temp = new();
    private readonly ConfigHome _home;

    public NotificationServiceTests() => _home = new ConfigHome(_temp.Combine("home"));

    public void Dispose() => _temp.Dispose();

    private void Configure(int port, NotificationTrigger on = NotificationTrigger.Success | NotificationTrigger.Failure) =>
        new NotificationStore(_home).Save(new NotificationSettings
        {
            Provider = NotificationProvider.Smtp, To = new[] { "admin@example.com" }, From = "backup@example.com", On = on,
            Smtp = new SmtpSettings { Server = "127.0.0.1", Port = port, Security = SmtpSecurity.StartTls, UserName = User, CertificateThumbprint = TestCertificates.Sha256Thumbprint },
        }, Password);

    private static OperationReport Failure => new()
    {
        Kind = OperationKind.Backup, Succeeded = false, SetName = "nightly", SourcePath = "/backups/db.sql.zst",
        ErrorId = "UploadFailed", ErrorMessage = "OneDrive refused part 3 after 8 attempts",
        // A verbose line that (wrongly) contained the password: the mail must still not carry it.
        VerboseTail = new[] { "10:00:01 VERBOSE: part 2 stored", "10:00:05 WARNING: connecting with " + Password },
    };

    private static OperationReport Success => Failure with { Succeeded = true, ErrorId = null, ErrorMessage = null, VerboseTail = Array.Empty<string>() };

    [Fact]
    public async Task A_failed_backup_sends_the_failure_mail_with_error_and_log_and_no_secret()
    {
        await using var server = await LoopbackSmtpServer.StartAsync(User, Password);
        Configure(server.Port);
        var observer = new RecordingObserver();

        var result = await new NotificationService(_home).TrySendAsync(Failure, observer, CancellationToken.None);

        Assert.Equal(NotificationOutcome.Sent, result.Outcome);
        Assert.Empty(observer.Warnings);
        var mail = Assert.Single(server.Mails);
        var message = mail.Message;
        Assert.Equal("Error - nightly", message.Subject);
        Assert.Contains("UploadFailed", message.TextBody);
        Assert.Contains("OneDrive refused part 3", message.TextBody);
        Assert.Contains("part 2 stored", message.TextBody);
        Assert.Contains("UploadFailed", message.HtmlBody);
        Assert.DoesNotContain(Password, Encoding.UTF8.GetString(mail.Raw));
        Assert.DoesNotContain(Password, observer.AllText);
    }

    [Fact]
    public async Task An_unreachable_server_becomes_a_warning_not_an_exception()
    {
        var port = ClosedPort();
        Configure(port);
        var observer = new RecordingObserver();

        var result = await new NotificationService(_home).TrySendAsync(Success, observer, CancellationToken.None);

        Assert.Equal(NotificationOutcome.Failed, result.Outcome);
        Assert.Equal(NotificationErrors.NotificationFailed, result.ErrorId);
        var warning = Assert.Single(observer.Warnings);
        Assert.Contains("could not be sent", warning);
        Assert.Contains($"127.0.0.1:{port}", warning);
        Assert.DoesNotContain(Password, observer.AllText);
    }

    [Fact]
    public async Task A_server_that_never_answers_is_abandoned_after_the_timeout()
    {
        // Accepts the TCP connection but never sends a greeting.
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            Configure(((IPEndPoint)silent.LocalEndpoint).Port);
            var observer = new RecordingObserver();

            var result = await new NotificationService(_home, TimeSpan.FromMilliseconds(700)).TrySendAsync(Success, observer, CancellationToken.None)
                .WaitAsync(TimeSpan.FromSeconds(20));

            Assert.Equal(NotificationOutcome.Failed, result.Outcome);
            Assert.Contains("abandoned", Assert.Single(observer.Warnings));
        }
        finally
        {
            silent.Stop();
        }
    }

    [Fact]
    public async Task A_corrupt_settings_file_becomes_a_warning()
    {
        Directory.CreateDirectory(_home.Path);
        File.WriteAllText(_home.NotificationFile, "{ broken");
        var observer = new RecordingObserver();

        var result = await new NotificationService(_home).TrySendAsync(Success, observer, CancellationToken.None);

        Assert.Equal(NotificationOutcome.Failed, result.Outcome);
        Assert.Equal(NotificationErrors.NotificationSettingsInvalid, result.ErrorId);
        Assert.Single(observer.Warnings);
    }

    [Fact]
    public async Task Nothing_configured_means_nothing_sent_and_no_warning()
    {
        var observer = new RecordingObserver();

        var result = await new NotificationService(_home).TrySendAsync(Failure, observer, CancellationToken.None);

        Assert.Equal(NotificationOutcome.NotConfigured, result.Outcome);
        Assert.Empty(observer.Warnings);
    }

    [Fact]
    public async Task A_success_is_not_mailed_when_only_failures_are_wanted()
    {
        await using var server = await LoopbackSmtpServer.StartAsync(User, Password);
        Configure(server.Port, NotificationTrigger.Failure);

        var result = await new NotificationService(_home).TrySendAsync(Success, new RecordingObserver(), CancellationToken.None);

        Assert.Equal(NotificationOutcome.NotWanted, result.Outcome);
        Assert.Empty(server.Mails);
    }

    [Fact]
    public async Task The_test_mail_is_sent_and_its_failures_throw()
    {
        await using var server = await LoopbackSmtpServer.StartAsync(User, Password);
        var service = new NotificationService(_home);
        var notConfigured = await Assert.ThrowsAsync<OffsiteException>(() => service.SendTestAsync(new RecordingObserver(), CancellationToken.None));
        Assert.Equal(NotificationErrors.NotificationNotConfigured, notConfigured.ErrorId);

        Configure(server.Port);
        var result = await service.SendTestAsync(new RecordingObserver(), CancellationToken.None);

        Assert.Equal(NotificationOutcome.Sent, result.Outcome);
        Assert.StartsWith("Test Notification", Assert.Single(server.Mails).Message.Subject);
    }

    private static int ClosedPort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
