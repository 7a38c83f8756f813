namespace OnedriveOffsite.Engine.Progress;

/// <summary>
/// Shows a throttled wait that happens outside any part (reading a manifest, taking a lock, listing): its own
/// activity, "Waiting for OneDrive", with the seconds left, closed when the wait is over. Without it a run would sit
/// silent, with no bar at all, for as long as OneDrive's Retry-After.
/// </summary>
public sealed class ThrottledWaitProgress : ITransferStatus
{
    /// <summary>The activity id: apart from a run's own bars (0 and 1 + part index).</summary>
    public const int ActivityId = int.MaxValue;

    public const string Activity = "Waiting for OneDrive";

    private readonly IOperationObserver _observer;

    public ThrottledWaitProgress(IOperationObserver observer) => _observer = observer;

    public IDisposable Doing(string step) => TransferActivity.Scope.None;

    public void Waiting(TimeSpan remaining) => _observer.Progress(remaining > TimeSpan.Zero
        ? new OperationProgress(ActivityId, Activity, TransferProgress.ThrottledText(remaining), 0, 0, TimeSpan.Zero)
        : new OperationProgress(ActivityId, Activity, "done", 0, 0, TimeSpan.Zero, Completed: true));

    public void Retrying(int attempt, int maxAttempts, TimeSpan? delay) { } // -Verbose says it; the wait is what a person must see
}
