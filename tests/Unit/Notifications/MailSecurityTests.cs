using System.Net;
using System.Text;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Notifications;
using Xunit;

namespace OnedriveOffsite.Tests.Notifications;

/// <summary>Item 9 of the trust issue: credentials only over TLS unless opted out, SES http only on loopback, masking in HTML.</summary>
public sealed class MailSecurityTests
{
    private const string User = "backup-bot";
    private const string Password = "P&ss<w0rd>\"quoted\"'é-2026";

    private static readonly NotificationMessage Message = new("Test", "text\n", "<p>html</p>");

    private static NotificationSettings Smtp(int port, SmtpSecurity security, bool allowUnencrypted, string? user = User) => new()
    {
        Provider = NotificationProvider.Smtp,
        To = new[] { "admin@example.com" },
        From = "backup@example.com",
        Smtp = new SmtpSettings
        {
            Server = "127.0.0.1", Port = port, Security = security, UserName = user,
            CertificateThumbprint = TestCertificates.Sha256Thumbprint, AllowUnencryptedCredential = allowUnencrypted,
        },
    };

    [Theory]
    [InlineData(SmtpSecurity.None)]
    [InlineData(SmtpSecurity.StartTlsWhenAvailable)]
    public void A_credential_with_a_security_mode_that_may_skip_TLS_is_refused_without_the_opt_out(SmtpSecurity security)
    {
        var ex = Assert.Throws<OffsiteException>(() => NotificationSettingsValidator.Validate(Smtp(587, security, allowUnencrypted: false)));
        Assert.Equal(NotificationErrors.NotificationSettingsInvalid, ex.ErrorId);
        Assert.Contains("-AllowUnencryptedCredential", ex.Message);

        NotificationSettingsValidator.Validate(Smtp(587, security, allowUnencrypted: true));
        NotificationSettingsValidator.Validate(Smtp(25, security, allowUnencrypted: false, user: null));
    }

    [Theory]
    [InlineData(SmtpSecurity.Auto)]
    [InlineData(SmtpSecurity.StartTls)]
    [InlineData(SmtpSecurity.SslOnConnect)]
    public void A_credential_over_a_mode_that_requires_TLS_needs_no_opt_out(SmtpSecurity security) =>
        NotificationSettingsValidator.Validate(Smtp(587, security, allowUnencrypted: false));

    [Fact]
    public async Task A_server_without_STARTTLS_never_receives_the_credential_unless_the_user_opted_out()
    {
        await using var server = await LoopbackSmtpServer.StartAsync(User, Password, offerTls: false);
        // A configuration stored before the validator existed (or edited by hand) is checked again at send time.
        var ex = await Assert.ThrowsAsync<OffsiteException>(() =>
            new SmtpEmailSender(Smtp(server.Port, SmtpSecurity.StartTlsWhenAvailable, allowUnencrypted: false), Password).SendAsync(Message, CancellationToken.None));

        Assert.Equal(NotificationErrors.NotificationFailed, ex.ErrorId);
        Assert.Equal(OffsiteErrorCategory.SecurityError, ex.Category);
        Assert.Contains("did not offer TLS", ex.Message);
        Assert.Empty(server.Logins);
        Assert.Empty(server.Mails);

        await new SmtpEmailSender(Smtp(server.Port, SmtpSecurity.StartTlsWhenAvailable, allowUnencrypted: true), Password).SendAsync(Message, CancellationToken.None);
        Assert.Equal((User, Password), Assert.Single(server.Logins));
        Assert.False(Assert.Single(server.Mails).Secure);
    }

    [Fact]
    public async Task A_secret_with_HTML_special_characters_is_masked_in_the_decoded_HTML_body_as_well_as_the_text_body()
    {
        await using var server = await LoopbackSmtpServer.StartAsync(User, Password);
        var report = new OperationReport
        {
            Kind = OperationKind.Backup, Succeeded = false, SetName = "pve-101",
            ErrorId = "NotificationFailed", ErrorMessage = "server said: 535 bad password " + Password,
            VerboseTail = new[] { "VERBOSE: login with " + Password },
        };
        var composed = NotificationComposer.Compose(report);
        Assert.Contains(WebUtility.HtmlEncode(Password), composed.HtmlBody);

        await new SmtpEmailSender(Smtp(server.Port, SmtpSecurity.StartTls, allowUnencrypted: false), Password).SendAsync(composed, CancellationToken.None);

        var message = Assert.Single(server.Mails).Message;
        var html = message.HtmlBody!;
        var text = message.TextBody!;
        Assert.DoesNotContain(Password, WebUtility.HtmlDecode(html));
        Assert.DoesNotContain(WebUtility.HtmlEncode(Password), html);
        Assert.DoesNotContain(Password, text);
        Assert.Equal(2, CountOf(WebUtility.HtmlDecode(html), SecretMasker.Placeholder));
        Assert.Equal(2, CountOf(text, SecretMasker.Placeholder));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/", true)]
    [InlineData("http://localhost:4566/", true)]
    [InlineData("http://[::1]:4566/", true)]
    [InlineData("https://email.eu-west-1.amazonaws.com/", true)]
    [InlineData("https://vpce-123.email.eu-west-1.vpce.amazonaws.com/", true)]
    [InlineData("http://email.eu-west-1.amazonaws.com/", false)]
    [InlineData("http://10.0.0.5:8080/", false)]
    public void A_plain_http_SES_endpoint_is_accepted_only_for_a_loopback_host(string endpoint, bool accepted)
    {
        var settings = new NotificationSettings
        {
            Provider = NotificationProvider.Ses, To = new[] { "admin@example.com" }, From = "backup@example.com",
            Ses = new SesSettings { Region = "eu-west-1", Endpoint = new Uri(endpoint) },
        };
        if (accepted) NotificationSettingsValidator.Validate(settings);
        else Assert.Equal(NotificationErrors.NotificationSettingsInvalid,
            Assert.Throws<OffsiteException>(() => NotificationSettingsValidator.Validate(settings)).ErrorId);
    }

    [Fact]
    public async Task A_stored_plain_http_SES_endpoint_off_loopback_is_refused_at_send_time_before_any_request()
    {
        var settings = new NotificationSettings
        {
            Provider = NotificationProvider.Ses, To = new[] { "admin@example.com" }, From = "backup@example.com",
            Ses = new SesSettings { Region = "eu-west-1", Endpoint = new Uri("http://192.0.2.10:8080/") },
        };
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => new SesEmailSender(settings).SendAsync(Message, CancellationToken.None));
        Assert.Equal(NotificationErrors.NotificationSettingsInvalid, ex.ErrorId);
        Assert.Contains("plain http", ex.Message);
    }

    private static int CountOf(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}
