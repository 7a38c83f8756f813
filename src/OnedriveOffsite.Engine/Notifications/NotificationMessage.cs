namespace OnedriveOffsite.Engine.Notifications;

/// <summary>One mail, ready for any sender: subject plus the same content as plain text and as simple HTML.</summary>
public sealed record NotificationMessage(string Subject, string TextBody, string HtmlBody)
{
    /// <summary>A copy with every known secret replaced (last line of defence before anything leaves the host).</summary>
    public NotificationMessage Masked(SecretMasker masker) =>
        new(masker.Mask(Subject), masker.Mask(TextBody), masker.Mask(HtmlBody));
}
