namespace OnedriveOffsite.Engine.Repositories.OneDrive;

/// <summary>
/// Cancels a transfer whose bytes stop moving: <see cref="Token"/> fires when <see cref="Progress"/> was not called
/// for the stall timeout (a half-open connection or a server that stops reading or sending would otherwise hold
/// a worker forever). Each call re-arms the timer. The caller tells a stall from its own cancellation with
/// <see cref="Stalled"/>, and then retries the transfer from where it stopped.
/// </summary>
internal sealed class StallWatchdog : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly CancellationToken _outer;
    private readonly TimeSpan _timeout;

    public StallWatchdog(TimeSpan timeout, CancellationToken outer)
    {
        _timeout = timeout;
        _outer = outer;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _cts.CancelAfter(timeout);
    }

    public CancellationToken Token => _cts.Token;

    /// <summary>True when the watchdog (not the caller) cancelled.</summary>
    public bool Stalled => _cts.IsCancellationRequested && !_outer.IsCancellationRequested;

    /// <summary>Bytes moved (or a deliberate pause such as a bandwidth limit ended): the stall clock starts again.</summary>
    public void Progress()
    {
        if (!_cts.IsCancellationRequested) _cts.CancelAfter(_timeout);
    }

    public void Dispose() => _cts.Dispose();
}
