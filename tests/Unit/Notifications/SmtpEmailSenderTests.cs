using System.Security.Cryptography;
using System.Text;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Notifications;
using Xunit;

namespace OnedriveOffsite.Tests.Notifications;

public sealed class SmtpEmailSenderTests
{
    private const string User = "backup-bot";
    private const string Password = "Sm7p-Pa55word/For+Tests!";

    private static readonly NotificationMessage Message = new(
        "Successful Offsite Backup - nightly", "Plain text part\nsecond line\n", "<html><body><p>HTML part</p></body></html>");

    private static NotificationSettings Settings(int port, string? pin, string user = User) => new()
    {
        Provider = NotificationProvider.Smtp,
        To = new[] { "admin@example.com", "Ops <ops@example.org>" },
        From = "backup@example.com",
        FromName = "Offsite Backup",
        Smtp = new SmtpSettings { Server = "127.0.0.1", Port = port, Security = SmtpSecurity.StartTls, UserName = user, CertificateThumbprint = pin },
    };

    [Theory]
    [InlineData("sha256")]
    [InlineData("sha1")]
    public async Task Sends_over_STARTTLS_with_AUTH_to_a_pinned_self_signed_server(string pinKind)
    {
        await using var server = await LoopbackSmtpServer.StartAsync(User, Password);
        var pin = pinKind == "sha256" ? TestCertificates.Sha256Thumbprint
            : string.Join(":", TestCertificates.Server.GetCertHashString(HashAlgorithmName.SHA1).Chunk(2).Select(c => new string(c)).ToArray()).ToLowerInvariant();

        await new SmtpEmailSender(Settings(server.Port, pin), Password).SendAsync(Message, CancellationToken.None);

        Assert.Equal((User, Password), Assert.Single(server.Logins));
        var mail = Assert.Single(server.Mails);
        Assert.True(mail.Secure, "the message must travel after STARTTLS");
        Assert.Equal(User, mail.AuthenticatedUser);
        Assert.Equal("backup@example.com", mail.EnvelopeFrom);
        Assert.Equal(new[] { "admin@example.com", "ops@example.org" }, mail.EnvelopeTo);
        var message = mail.Message;
        Assert.Equal("Offsite Backup", message.From.Mailboxes.Single().Name);
        Assert.Equal("backup@example.com", message.From.Mailboxes.Single().Address);
        Assert.Equal(new[] { "admin@example.com", "ops@example.org" }, message.To.Mailboxes.Select(m => m.Address));
        Assert.Equal(Message.Subject, message.Subject);
        Assert.Equal(Message.TextBody.ReplaceLineEndings(), message.TextBody!.ReplaceLineEndings());
        Assert.Equal(Message.HtmlBody, message.HtmlBody!.TrimEnd());
        Assert.Equal("auto-generated", message.Headers["Auto-Submitted"]);
        var raw = Encoding.UTF8.GetString(mail.Raw);
        Assert.DoesNotContain(Password, raw);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(Password)), raw);
    }

    [Fact]
    public async Task An_untrusted_certificate_without_a_pin_fails_and_names_the_thumbprint_to_pin()
    {
        await using var server = await LoopbackSmtpServer.StartAsync(User, Password);

        var ex = await Assert.ThrowsAsync<OffsiteException>(() => new SmtpEmailSender(Settings(server.Port, pin: null), Password).SendAsync(Message, CancellationToken.None));

        Assert.Equal(NotificationErrors.NotificationFailed, ex.ErrorId);
        Assert.Equal(OffsiteErrorCategory.SecurityError, ex.Category);
        Assert.Contains(TestCertificates.Sha256Thumbprint, ex.Message);
        Assert.Empty(server.Logins);
        Assert.Empty(server.Mails);
    }

    [Fact]
    public async Task A_wrong_pin_is_refused()
    {
        await using var server = await LoopbackSmtpServer.StartAsync(User, Password);

        var ex = await Assert.ThrowsAsync<OffsiteException>(() =>
            new SmtpEmailSender(Settings(server.Port, new string('A', 64)), Password).SendAsync(Message, CancellationToken.None));

        Assert.Equal(OffsiteErrorCategory.SecurityError, ex.Category);
        Assert.Empty(server.Mails);
    }

    [Fact]
    public async Task Rejected_credentials_are_an_authentication_error_without_the_password()
    {
        await using var server = await LoopbackSmtpServer.StartAsync(User, Password);
        const string wrong = "Wrong-Password-123!";

        var ex = await Assert.ThrowsAsync<OffsiteException>(() =>
            new SmtpEmailSender(Settings(server.Port, TestCertificates.Sha256Thumbprint), wrong).SendAsync(Message, CancellationToken.None));

        Assert.Equal(NotificationErrors.NotificationFailed, ex.ErrorId);
        Assert.Equal(OffsiteErrorCategory.AuthenticationError, ex.Category);
        Assert.DoesNotContain(wrong, ex.ToString());
        Assert.Empty(server.Mails);
    }

    [Fact]
    public async Task The_password_in_the_mail_text_is_masked()
    {
        await using var server = await LoopbackSmtpServer.StartAsync(User, Password);
        var leaky = Message with { TextBody = "log line with " + Password, HtmlBody = "<p>" + Password + "</p>" };

        await new SmtpEmailSender(Settings(server.Port, TestCertificates.Sha256Thumbprint), Password).SendAsync(leaky, CancellationToken.None);

        var mail = Assert.Single(server.Mails);
        Assert.DoesNotContain(Password, Encoding.UTF8.GetString(mail.Raw));
        Assert.Contains(SecretMasker.Placeholder, mail.Message.TextBody);
    }
}
