using MimeKit;

namespace OnedriveOffsite.Engine.Notifications;

/// <summary>Checks a configuration before it is stored, so a typo fails at Set time rather than at 01:00.</summary>
public static class NotificationSettingsValidator
{
    public static void Validate(NotificationSettings s)
    {
        if (s.HealthCheckUrl is { } h && (!h.IsAbsoluteUri || (h.Scheme != Uri.UriSchemeHttps && !(h.Scheme == Uri.UriSchemeHttp && h.IsLoopback))))
            throw NotificationErrors.Invalid("The health check URL must be an absolute https URL (plain http only for this host).", h.Host);
        if (s.Provider == NotificationProvider.None) return;
        if (s.To.Count == 0) throw NotificationErrors.Invalid("At least one recipient (-To) is required.");
        foreach (var to in s.To) RequireAddress(to, "-To");
        RequireAddress(s.From, "-From");
        if (s.On == NotificationTrigger.None) throw NotificationErrors.Invalid("-On must name Success, Failure or both.");
        switch (s.Provider)
        {
            case NotificationProvider.Ses:
                if (s.Ses is null || string.IsNullOrWhiteSpace(s.Ses.Region))
                    throw NotificationErrors.Invalid("SES needs a region (-Region), e.g. us-east-1.");
                if (!IsAwsRegion(s.Ses.Region))
                    throw NotificationErrors.Invalid($"'{s.Ses.Region}' is not an AWS region name (-Region): lower case like us-east-1, eu-west-2 or us-gov-west-1. "
                        + "SES's regions are listed at https://docs.aws.amazon.com/general/latest/gr/ses.html.", s.Ses.Region);
                if (s.Ses.Endpoint is { } e && (!e.IsAbsoluteUri || (e.Scheme != Uri.UriSchemeHttps && e.Scheme != Uri.UriSchemeHttp)))
                    throw NotificationErrors.Invalid($"The SES endpoint '{e}' must be an absolute http(s) URL.", e);
                // Plain http would carry the signed request (and the mail) readable on the network: only for a
                // local test endpoint or proxy on this host.
                if (s.Ses.Endpoint is { } plain && plain.Scheme == Uri.UriSchemeHttp && !plain.IsLoopback)
                    throw NotificationErrors.Invalid($"The SES endpoint '{plain}' uses plain http; only https is accepted, except for a loopback host (localhost, 127.0.0.1, ::1).", plain);
                break;
            case NotificationProvider.Smtp:
                if (s.Smtp is null || string.IsNullOrWhiteSpace(s.Smtp.Server))
                    throw NotificationErrors.Invalid("SMTP needs a server name (-SmtpServer).");
                if (s.Smtp.Port is < 0 or > 65535)
                    throw NotificationErrors.Invalid($"The SMTP port {s.Smtp.Port} is out of range.", s.Smtp.Port);
                if (s.Smtp.CertificateThumbprint is { } t && !IsThumbprint(t))
                    throw NotificationErrors.Invalid("The certificate thumbprint must be the SHA-256 (64 hex digits) or SHA-1 (40 hex digits) of the server certificate.", t);
                if (s.Smtp.MaySendCredentialUnencrypted && !s.Smtp.AllowUnencryptedCredential)
                    throw NotificationErrors.Invalid($"-Security {s.Smtp.Security} with a credential could send the SMTP password unencrypted. Use -Security Auto, StartTls or SslOnConnect, "
                        + "or add -AllowUnencryptedCredential to accept that (only for a relay on this host or a trusted network).", s.Smtp.Security);
                break;
        }
    }

    /// <summary>
    /// AWS region names: area, optional partition (gov, iso, isob…), direction, number (us-east-1, eu-central-2,
    /// us-gov-west-1, us-isob-east-1). Checked by pattern, not against a list, so new regions need no update.
    /// </summary>
    private static readonly System.Text.RegularExpressions.Regex AwsRegion =
        new(@"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    public static bool IsAwsRegion(string region) => AwsRegion.IsMatch(region);

    /// <summary>Hex digits only, spaces and colons removed, upper case (how Windows and openssl print them differs).</summary>
    public static string NormalizeThumbprint(string thumbprint) =>
        new string(thumbprint.Where(c => c is not (' ' or ':')).ToArray()).ToUpperInvariant();

    private static bool IsThumbprint(string t)
    {
        var n = NormalizeThumbprint(t);
        return (n.Length == 64 || n.Length == 40) && n.All(Uri.IsHexDigit);
    }

    private static void RequireAddress(string? address, string parameter)
    {
        if (string.IsNullOrWhiteSpace(address) || !MailboxAddress.TryParse(address, out var parsed) || string.IsNullOrEmpty(parsed.Address) || !parsed.Address.Contains('@'))
            throw NotificationErrors.Invalid($"'{address}' is not a valid mail address ({parameter}).", address);
    }
}
