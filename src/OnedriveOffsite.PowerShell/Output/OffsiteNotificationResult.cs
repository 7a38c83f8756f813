using OnedriveOffsite.Commands;
using OnedriveOffsite.Engine.Notifications;

namespace OnedriveOffsite.Output;

/// <summary>What Send-OffsiteTestNotification returns: where the test mail went and the service's message id.</summary>
public sealed class OffsiteNotificationResult
{
    public OffsiteNotificationProvider Provider { get; init; }
    public string[] To { get; init; } = Array.Empty<string>();
    public string? Subject { get; init; }
    /// <summary>The SES message id, or the SMTP server's final reply.</summary>
    public string? MessageId { get; init; }
    public DateTimeOffset SentAt { get; init; }

    public static OffsiteNotificationResult Create(NotificationResult result) => new()
    {
        Provider = NotificationMapping.FromEngine(result.Provider),
        To = result.To.ToArray(),
        Subject = result.Subject,
        MessageId = result.MessageId,
        SentAt = DateTimeOffset.Now,
    };

    public override string ToString() => $"{Subject} -> {string.Join(", ", To)}";
}
