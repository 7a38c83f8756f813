using System.Diagnostics;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Engine.Notifications;

/// <summary>
/// Runs a backup or restore and mails its outcome when notifications are configured. A mail that cannot be sent
/// only warns; the run's own error is always rethrown as it was. Cancellation (Ctrl+C) sends no mail. A configured
/// health check is pinged when the run starts (given <c>startSummary</c>) and when it ends, Ctrl+C included.
/// </summary>
public static class NotifiedRun
{
    public static async Task<T> RunAsync<T>(
        ConfigHome home, bool notify, IOperationObserver observer,
        Func<IOperationObserver, CancellationToken, Task<T>> work,
        Func<T, IReadOnlyList<string>, OperationReport> onSuccess,
        Func<Exception, TimeSpan, IReadOnlyList<string>, OperationReport> onFailure,
        CancellationToken ct,
        string? startSummary = null)
    {
        var tail = new TailRecordingObserver(observer);
        var clock = Stopwatch.StartNew();
        if (notify && startSummary is not null)
            await new NotificationService(home).TryPingStartAsync(startSummary, observer, ct).ConfigureAwait(false);
        T result;
        try
        {
            result = await work(tail, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (notify)
        {
            var report = onFailure(ex, clock.Elapsed, tail.Tail());
            // Ctrl+C sends no mail (the admin is at the keyboard), but the health check still learns the run did not finish.
            if (ex is OperationCanceledException && ct.IsCancellationRequested)
                await new NotificationService(home).TryPingFailureOnlyAsync(report, observer).ConfigureAwait(false);
            else
                await new NotificationService(home).TrySendAsync(report, observer, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        if (notify) await new NotificationService(home).TrySendAsync(onSuccess(result, tail.Tail()), observer, CancellationToken.None)
            .ConfigureAwait(false);
        return result;
    }
}
