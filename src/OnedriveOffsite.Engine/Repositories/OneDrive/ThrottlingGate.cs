using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Engine.Repositories.OneDrive;

/// <summary>
/// ONE Retry-After deadline shared by every worker of a repository: OneDrive throttles the app and user, not a
/// connection, so after a 429/503 with Retry-After nobody may send anything before the deadline (a request
/// sent earlier is throttled again and prolongs the penalty).
/// </summary>
internal sealed class ThrottlingGate
{
    private readonly ITransferStatus? _outsideParts;
    private readonly TimeProvider _clock;
    private long _deadline; // a timestamp of _clock, monotonic

    /// <param name="outsideParts">Told about waits of requests made outside any part (see <see cref="ThrottledWaitProgress"/>).</param>
    /// <param name="clock">The clock waits are measured and slept on (the system's unless a test injects one).</param>
    public ThrottlingGate(ITransferStatus? outsideParts = null, TimeProvider? clock = null)
    {
        _outsideParts = outsideParts;
        _clock = clock ?? TimeProvider.System;
    }

    public void Defer(TimeSpan delay)
    {
        var deadline = _clock.GetTimestamp()
            + (long)Math.Round(delay.Ticks * ((double)_clock.TimestampFrequency / TimeSpan.TicksPerSecond));
        long current;
        do
        {
            current = Interlocked.Read(ref _deadline);
            if (current >= deadline) return;
        }
        while (Interlocked.CompareExchange(ref _deadline, deadline, current) != current);
    }

    /// <summary>
    /// Waits until the deadline has passed (returns at once when there is none). The part being transferred
    /// (<see cref="TransferActivity.Current"/>; outside parts, the gate's own) is told the time left about once a second,
    /// so its progress counts down instead of freezing, and is told when the wait is over.
    /// </summary>
    public async Task WaitAsync(CancellationToken ct)
    {
        var status = TransferActivity.Current ?? _outsideParts;
        var waited = false;
        try
        {
            while (true)
            {
                var remaining = Interlocked.Read(ref _deadline) - _clock.GetTimestamp();
                if (remaining <= 0) return;
                var left = TimeSpan.FromTicks((long)Math.Round(remaining * ((double)TimeSpan.TicksPerSecond / _clock.TimestampFrequency)));
                // A timer that woke a few milliseconds early leaves a sliver: waited out silently, not reported as a
                // wait of "0 s" (the part's progress line would flicker).
                if (left >= MinReported)
                {
                    status?.Waiting(left);
                    waited = true;
                }
                // Task.Delay may wake a little early; the loop re-checks, the extra millisecond avoids spinning.
                await Task.Delay((left < ReportEvery ? left : ReportEvery) + TimeSpan.FromMilliseconds(1), _clock, ct)
                    .ConfigureAwait(false);
            }
        }
        finally
        {
            if (waited) status?.Waiting(TimeSpan.Zero);
        }
    }

    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinReported = TimeSpan.FromMilliseconds(50);
}
