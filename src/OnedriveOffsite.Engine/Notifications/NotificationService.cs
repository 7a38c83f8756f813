using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Engine.Notifications;

/// <summary>
/// Sends the backup/restore report mail as configured in the config home. <see cref="TrySendAsync"/> is what
/// Start-/Restore-OffsiteBackup call: a mail that cannot be sent must never change the outcome of the run, so
/// it reports a warning and returns a result instead of throwing. <see cref="SendTestAsync"/> throws, because
/// proving the settings work is its whole purpose.
/// </summary>
public sealed class NotificationService
{
    /// <summary>Upper bound for one mail, credential lookup included, so a hung server cannot hold a nightly job.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);

    private readonly NotificationStore _store;
    private readonly TimeSpan _timeout;

    public NotificationService(ConfigHome home, TimeSpan? timeout = null)
    {
        _store = new NotificationStore(home);
        _timeout = timeout ?? DefaultTimeout;
    }

    /// <summary>
    /// Mails the report if notifications are configured for this outcome. Never throws (not even when
    /// <paramref name="cancellationToken"/> fires): failures become a warning on <paramref name="observer"/>
    /// and a <see cref="NotificationOutcome.Failed"/> result.
    /// </summary>
    public async Task<NotificationResult> TrySendAsync(OperationReport report, IOperationObserver observer,
        CancellationToken cancellationToken)
    {
        NotificationSettings? settings = null;
        string? subject = null;
        try
        {
            settings = _store.Load();
            if (settings?.HealthCheckUrl is { } url)
                await new HealthCheckPinger(url).TryPingAsync(report.Succeeded ? HealthCheckSignal.Success : HealthCheckSignal.Failure,
                    HealthCheckPinger.Summarize(report), observer, cancellationToken).ConfigureAwait(false);
            if (settings is null || settings.Provider == NotificationProvider.None)
                return new NotificationResult(NotificationOutcome.NotConfigured, NotificationProvider.None, Array.Empty<string>(), null,
                    null, null, null);
            if (!settings.Wants(report.Succeeded))
            {
                observer.Verbose($"No notification mail: it is configured for {settings.On} only.");
                return new NotificationResult(NotificationOutcome.NotWanted, settings.Provider, settings.To, null, null, null, null);
            }
            var message = NotificationComposer.Compose(report);
            subject = message.Subject;
            var id = await SendAsync(settings, message, observer, cancellationToken).ConfigureAwait(false);
            return new NotificationResult(NotificationOutcome.Sent, settings.Provider, settings.To, subject, id, null, null);
        }
        catch (Exception ex)
        {
            var (reason, errorId) = Describe(ex);
            observer.Warning($"The notification mail could not be sent: {reason}");
            return new NotificationResult(NotificationOutcome.Failed, settings?.Provider ?? NotificationProvider.None,
                settings?.To ?? Array.Empty<string>(), subject, null, reason, errorId);
        }
    }

    /// <summary>Tells the health check (when one is configured) that a run has started. Never throws.</summary>
    public async Task TryPingStartAsync(string summary, IOperationObserver observer, CancellationToken cancellationToken)
    {
        try
        {
            if (_store.Load()?.HealthCheckUrl is { } url)
                await new HealthCheckPinger(url).TryPingAsync(HealthCheckSignal.Start, summary, observer, cancellationToken)
                    .ConfigureAwait(false);
        }
        catch (OffsiteException ex)
        {
            observer.Warning($"The health check could not be pinged: {ex.Message}");
        }
    }

    /// <summary>Pings only the health check's failure address (a cancelled run: no mail). Never throws.</summary>
    public async Task TryPingFailureOnlyAsync(OperationReport report, IOperationObserver observer)
    {
        try
        {
            if (_store.Load()?.HealthCheckUrl is { } url)
                await new HealthCheckPinger(url)
                    .TryPingAsync(HealthCheckSignal.Failure, HealthCheckPinger.Summarize(report), observer, CancellationToken.None)
                    .ConfigureAwait(false);
        }
        catch (OffsiteException ex)
        {
            observer.Warning($"The health check could not be pinged: {ex.Message}");
        }
    }

    /// <summary>Sends the test mail with the stored settings; throws <see cref="OffsiteException"/> on any failure.</summary>
    public async Task<NotificationResult> SendTestAsync(IOperationObserver observer, CancellationToken cancellationToken)
    {
        var settings = _store.Load();
        if (settings is null || settings.Provider == NotificationProvider.None)
            throw new OffsiteException(NotificationErrors.NotificationNotConfigured, OffsiteErrorCategory.ObjectNotFound,
                "No notification is configured. Use Set-OffsiteNotification first.", _store.SettingsPath);
        var message = NotificationComposer.ComposeTest(Environment.MachineName, DateTimeOffset.Now);
        var id = await SendAsync(settings, message, observer, cancellationToken).ConfigureAwait(false);
        return new NotificationResult(NotificationOutcome.Sent, settings.Provider, settings.To, message.Subject, id, null, null);
    }

    private async Task<string?> SendAsync(NotificationSettings settings, NotificationMessage message, IOperationObserver observer,
        CancellationToken cancellationToken)
    {
        var password = settings.Provider == NotificationProvider.Smtp ? _store.LoadSmtpPassword() : null;
        var sender = EmailSenders.Create(settings, password);
        observer.Verbose(
            $"Sending the notification mail '{message.Subject}' through {settings.Provider} to {string.Join(", ", settings.To)}.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            var id = await sender.SendAsync(message.Masked(new SecretMasker([password])), timeout.Token).ConfigureAwait(false);
            observer.Verbose(id is null ? "Notification mail sent." : $"Notification mail sent ({new SecretMasker([password]).Mask(id)}).");
            return id;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw NotificationErrors.Failed(
                $"Sending the notification mail took longer than {_timeout.TotalSeconds:0} s and was abandoned.");
        }
    }

    private (string Reason, string? ErrorId) Describe(Exception ex)
    {
        if (ex is AggregateException { InnerExceptions.Count: 1 } agg) ex = agg.InnerException!;
        string? password = null;
        try { password = _store.LoadSmtpPassword(); } catch (OffsiteException) { }
        var masker = new SecretMasker([password]);
        return ex switch
        {
            OffsiteException o => (masker.Mask(o.Message), o.ErrorId),
            OperationCanceledException => ("the operation was cancelled.", ErrorIds.Cmdlet.OperationStopped),
            // Anything unforeseen: type and message only, masked; the mail must not be the thing that breaks a run.
            _ => (masker.Mask($"{ex.GetType().Name}: {ex.Message}"), NotificationErrors.NotificationFailed),
        };
    }
}
