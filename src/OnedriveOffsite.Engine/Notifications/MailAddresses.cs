using MimeKit;

namespace OnedriveOffsite.Engine.Notifications;

/// <summary>Parses the configured addresses once, the same way for both providers (MimeKit's RFC 5322 parser).</summary>
internal static class MailAddresses
{
    public static MailboxAddress Sender(NotificationSettings s)
    {
        var parsed = MailboxAddress.Parse(s.From);
        return string.IsNullOrWhiteSpace(s.FromName) ? parsed : new MailboxAddress(s.FromName, parsed.Address);
    }

    public static IReadOnlyList<MailboxAddress> Recipients(NotificationSettings s) => s.To.Select(MailboxAddress.Parse).ToArray();
}
