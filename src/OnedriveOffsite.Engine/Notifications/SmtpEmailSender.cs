using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Notifications;

/// <summary>
/// Sends through any SMTP server with MailKit (also SES's SMTP interface). TLS is required unless the
/// configuration says <see cref="SmtpSecurity.None"/>; a self-signed server is trusted only through a pinned
/// certificate thumbprint, never by switching validation off.
/// </summary>
public sealed class SmtpEmailSender : IEmailSender
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly NotificationSettings _settings;
    private readonly SmtpSettings _smtp;
    private readonly string? _password;
    private readonly SecretMasker _masker;

    public SmtpEmailSender(NotificationSettings settings, string? password)
    {
        _settings = settings;
        _smtp = settings.Smtp ?? throw NotificationErrors.Invalid("The SMTP settings are missing.");
        _password = password;
        _masker = new SecretMasker([password]);
    }

    public async Task<string?> SendAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        var mime = BuildMessage(message.Masked(_masker));
        var port = _smtp.EffectivePort;
        var where = $"{_smtp.Server}:{port}";
        var validator = new CertificateCheck(_smtp.CertificateThumbprint);
        using var client = new SmtpClient
        {
            Timeout = (int)Timeout.TotalMilliseconds,
            ServerCertificateValidationCallback = validator.Validate,
        };
        try
        {
            await client.ConnectAsync(_smtp.Server, port, SocketOptions(port), cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(_smtp.UserName) && !client.IsSecure && !_smtp.AllowUnencryptedCredential)
                throw NotificationErrors.Failed(
                    $"The SMTP server {where} did not offer TLS (STARTTLS), so the credentials of '{_smtp.UserName}' were not sent and " +
                        $"no mail went out. "
                    + "Use a server or port with TLS, or Set-OffsiteNotification -AllowUnencryptedCredential to accept sending them " +
                        "unencrypted.", OffsiteErrorCategory.SecurityError, where);
            if (!string.IsNullOrEmpty(_smtp.UserName))
                await client.AuthenticateAsync(new NetworkCredential(_smtp.UserName, _password ?? ""), cancellationToken)
                    .ConfigureAwait(false);
            var reply = await client.SendAsync(mime, cancellationToken).ConfigureAwait(false);
            await client.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
            return reply;
        }
        catch (SslHandshakeException)
        {
            var presented = validator.Presented is { } p
                ? $" It presented a certificate for '{p.Subject}' with SHA-256 thumbprint {p.Thumbprint}." : "";
            throw NotificationErrors.Failed(
                $"The TLS connection to the SMTP server {where} failed: its certificate is not trusted or does not match the pinned " +
                    $"thumbprint.{presented} "
                + "If you trust this server, pin its certificate with Set-OffsiteNotification -CertificateThumbprint.",
                    OffsiteErrorCategory.SecurityError, where);
        }
        catch (MailKit.Security.AuthenticationException ex)
        {
            throw NotificationErrors.Failed(
                _masker.Mask($"The SMTP server {where} rejected the credentials of '{_smtp.UserName}': {ex.Message}"),
                OffsiteErrorCategory.AuthenticationError, where);
        }
        catch (Exception ex) when (ex is SmtpCommandException or SmtpProtocolException or NotSupportedException)
        {
            throw NotificationErrors.Failed(_masker.Mask($"The SMTP server {where} refused the mail: {ex.Message}"),
                OffsiteErrorCategory.InvalidOperation, where);
        }
        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException or ServiceNotConnectedException)
        {
            throw NotificationErrors.Failed(_masker.Mask($"The SMTP server {where} could not be reached: {ex.Message}"),
                OffsiteErrorCategory.ConnectionError, where);
        }
    }

    private MimeMessage BuildMessage(NotificationMessage message)
    {
        var mime = new MimeMessage();
        mime.From.Add(MailAddresses.Sender(_settings));
        mime.To.AddRange(MailAddresses.Recipients(_settings));
        mime.Subject = message.Subject;
        // RFC 3834: tells vacation responders and ticket systems not to answer a machine's report.
        mime.Headers.Add("Auto-Submitted", "auto-generated");
        mime.Body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody }.ToMessageBody();
        return mime;
    }

    private SecureSocketOptions SocketOptions(int port) => _smtp.Security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.StartTlsWhenAvailable => SecureSocketOptions.StartTlsWhenAvailable,
        _ => port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls,
    };

    /// <summary>
    /// Certificate policy: with a pin, exactly that certificate (SHA-256 or SHA-1 thumbprint) is accepted, whatever
    /// its chain; without one, only a certificate the system trusts for this host name. Remembers what was
    /// presented so the error can tell the admin which thumbprint to pin.
    /// </summary>
    private sealed class CertificateCheck
    {
        private readonly string? _pin;

        public CertificateCheck(string? pin) => _pin = pin is null ? null : NotificationSettingsValidator.NormalizeThumbprint(pin);

        public (string Subject, string Thumbprint)? Presented { get; private set; }

        public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            if (certificate is null) return false;
            using var cert = new X509Certificate2(certificate);
            var sha256 = cert.GetCertHashString(HashAlgorithmName.SHA256);
            var ok = _pin is null ? errors == SslPolicyErrors.None
                : _pin == sha256 || _pin == cert.GetCertHashString(HashAlgorithmName.SHA1);
            if (!ok) Presented = (cert.Subject, sha256);
            return ok;
        }
    }
}
