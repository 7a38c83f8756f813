namespace OnedriveOffsite.Engine.Notifications;

public enum NotificationOutcome
{
    /// <summary>The mail was accepted by SES or the SMTP server.</summary>
    Sent,
    /// <summary>No notification is configured (provider None): nothing to do.</summary>
    NotConfigured,
    /// <summary>Configured, but not for this outcome (e.g. <c>-On Failure</c> and the run succeeded).</summary>
    NotWanted,
    /// <summary>Sending failed; <see cref="NotificationResult.Reason"/> says why (secrets masked).</summary>
    Failed,
}

/// <summary>What <see cref="NotificationService.TrySendAsync"/> did. Never contains a secret.</summary>
public sealed record NotificationResult(
    NotificationOutcome Outcome,
    NotificationProvider Provider,
    IReadOnlyList<string> To,
    string? Subject,
    string? MessageId,
    string? Reason,
    string? ErrorId)
{
    public bool Sent => Outcome == NotificationOutcome.Sent;
}
