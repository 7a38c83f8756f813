using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using OnedriveOffsite.Engine.Auth;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Notifications;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories.Local;
using OnedriveOffsite.Engine.Repositories.OneDrive;
using OnedriveOffsite.Tests.Notifications;
using Xunit;

namespace OnedriveOffsite.Tests.Messages;

/// <summary>Issue 14 item 6: messages that say what happened and what to do (engine side; the cmdlet side is tests/Pester/Messages.Tests.ps1).</summary>
public sealed class MessageTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "oo-messages-" + Guid.NewGuid().ToString("N")[..8]);

    public MessageTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void An_invalid_authority_host_is_answered_with_an_authority_example_not_a_graph_one()
    {
        var settings = new AppSettings { ClientId = Guid.NewGuid().ToString(), AuthorityHost = new Uri("https://login.example.com/common") };
        var ex = Assert.Throws<OffsiteException>(() => settings.Validate());
        Assert.Equal(ErrorIds.App.InvalidEndpoint, ex.ErrorId);
        Assert.Contains("authority host", ex.Message);
        Assert.Contains("e.g. https://login.microsoftonline.com", ex.Message);
        Assert.DoesNotContain("graph.microsoft.com", ex.Message);
    }

    [Fact]
    public void An_invalid_graph_endpoint_keeps_the_graph_example()
    {
        var settings = new AppSettings { ClientId = Guid.NewGuid().ToString(), GraphEndpoint = new Uri("https://graph.example.com/v1.0") };
        var ex = Assert.Throws<OffsiteException>(() => settings.Validate());
        Assert.Contains("e.g. https://graph.microsoft.com", ex.Message);
    }

    [Theory]
    [InlineData("us-east-1")]
    [InlineData("eu-central-2")]
    [InlineData("ap-southeast-4")]
    [InlineData("il-central-1")]
    [InlineData("us-gov-west-1")]
    [InlineData("us-isob-east-1")]
    public void Aws_region_names_are_accepted(string region) =>
        NotificationSettingsValidator.Validate(SesSettings(region));

    [Theory]
    [InlineData("eu_west_1")]
    [InlineData("EU-WEST-1")]
    [InlineData("us-east")]
    [InlineData("email.us-east-1.amazonaws.com")]
    [InlineData("us-east-1\n")]
    [InlineData("ireland")]
    public void Anything_else_as_an_ses_region_is_refused_by_name(string region)
    {
        var ex = Assert.Throws<OffsiteException>(() => NotificationSettingsValidator.Validate(SesSettings(region)));
        Assert.Equal(ErrorIds.Notifications.NotificationSettingsInvalid, ex.ErrorId);
        Assert.Contains("is not an AWS region name (-Region)", ex.Message);
        Assert.Contains("us-east-1", ex.Message);
    }

    [Fact]
    public void Key_text_without_a_known_prefix_says_what_it_must_start_with()
    {
        var ex = Assert.Throws<OffsiteException>(() => MasterKey.Parse("OOK3-" + new string('A', 48)));
        Assert.Equal(ErrorIds.Keys.KeyInvalid, ex.ErrorId);
        Assert.Contains("must start with 'OOK2-' (or 'OOK1-'", ex.Message);
    }

    [Fact]
    public void A_repository_path_that_is_a_file_is_named_as_a_file()
    {
        var file = Path.Combine(_root, "offsite.tar");
        File.WriteAllText(file, "not a directory");
        var ex = Assert.Throws<OffsiteException>(() => new LocalRepository(file));
        Assert.Equal(ErrorIds.Snapshots.RepositoryNotFound, ex.ErrorId);
        Assert.Contains("is a file, not a directory", ex.Message);
        Assert.DoesNotContain("does not exist", ex.Message);

        var missing = Assert.Throws<OffsiteException>(() => new LocalRepository(Path.Combine(_root, "missing")));
        Assert.Contains("does not exist", missing.Message);
    }

    [Fact]
    public void A_tls_failure_of_the_identity_service_is_named_for_sign_in_and_for_refresh()
    {
        var tls = new HttpRequestException("The SSL connection could not be established, see inner exception.",
            new AuthenticationException("The remote certificate is invalid because of errors in the certificate chain: UntrustedRoot"));

        var signIn = MsalErrors.FromSignIn(tls);
        Assert.Equal(ErrorIds.Auth.SignInFailed, signIn.ErrorId);
        AssertNamesTls(signIn.Message);

        var refresh = MsalErrors.FromSilent(tls);
        Assert.Equal(ErrorIds.Auth.TokenRefreshFailed, refresh.ErrorId);
        AssertNamesTls(refresh.Message);
        Assert.DoesNotContain("try again later", refresh.Message);

        // A network failure is still one.
        Assert.Contains("could not be reached", MsalErrors.FromSignIn(new HttpRequestException("Connection refused")).Message);
    }

    [Fact]
    public async Task A_graph_endpoint_with_an_untrusted_certificate_fails_at_once_naming_tls_not_reachability()
    {
        using var server = new UntrustedTlsServer();
        var home = new ConfigHome(Path.Combine(_root, "home"));
        new AppSettingsStore(home).Save(new AppSettings { ClientId = Guid.NewGuid().ToString(), GraphEndpoint = server.Uri }, null);
        using var repository = OneDriveRepository.Open(home, "onedrive:", NullObserver.Instance,
            new OneDriveOptions { TokenSource = new FixedToken(), MaxAttempts = 4, InitialBackoff = TimeSpan.FromSeconds(5) });

        var ex = await Assert.ThrowsAsync<OffsiteException>(() => repository.ListSetsAsync(CancellationToken.None));

        Assert.Equal(ErrorIds.OneDrive.OneDriveUnavailable, ex.ErrorId);
        Assert.Equal(OffsiteErrorCategory.SecurityError, ex.Category);
        AssertNamesTls(ex.Message);
        // Not retried: a certificate that is not trusted now is not trusted after a backoff either.
        Assert.Equal(1, server.Handshakes);
    }

    private static void AssertNamesTls(string message)
    {
        Assert.Contains("TLS/certificate problem", message);
        Assert.Contains("SSL_CERT_FILE", message);
        Assert.Contains("proxy", message);
        Assert.DoesNotContain("could not be reached", message);
    }

    private static NotificationSettings SesSettings(string region) => new()
    {
        Provider = NotificationProvider.Ses,
        To = ["admin@example.com"],
        From = "backup@example.com",
        Ses = new SesSettings { Region = region },
    };

    private sealed class FixedToken : IAccessTokenSource
    {
        public Task<string> GetAccessTokenAsync(bool forceRefresh, CancellationToken ct) => Task.FromResult("token");
    }

    /// <summary>Completes TLS handshakes on 127.0.0.1 with a self-signed certificate no client trusts, and counts them.</summary>
    private sealed class UntrustedTlsServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private int _handshakes;

        public UntrustedTlsServer()
        {
            _listener.Start();
            _ = Task.Run(AcceptLoop);
        }

        public Uri Uri => new($"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        public int Handshakes => Volatile.Read(ref _handshakes);

        private async Task AcceptLoop()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception) { return; }
                Interlocked.Increment(ref _handshakes);
                _ = Task.Run(async () =>
                {
                    using (client)
                    await using (var ssl = new SslStream(client.GetStream()))
                    {
                        try { await ssl.AuthenticateAsServerAsync(TestCertificates.Server, false, false); }
                        catch (Exception) { /* the client refuses the certificate: expected */ }
                    }
                });
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }
}
