using System.Diagnostics;

namespace OnedriveOffsite.Engine.Repositories.OneDrive;

/// <summary>
/// ONE Retry-After deadline shared by every worker of a repository: OneDrive throttles the app and user, not a
/// connection, so after a 429/503 with Retry-After nobody may send anything before the deadline (a request
/// sent earlier is throttled again and prolongs the penalty).
/// </summary>
internal sealed class ThrottlingGate
{
    private long _deadline; // Stopwatch timestamp, monotonic

    public void Defer(TimeSpan delay)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
        long current;
        do
        {
            current = Interlocked.Read(ref _deadline);
            if (current >= deadline) return;
        }
        while (Interlocked.CompareExchange(ref _deadline, deadline, current) != current);
    }

    /// <summary>Waits until the deadline has passed (returns at once when there is none).</summary>
    public async Task WaitAsync(CancellationToken ct)
    {
        while (true)
        {
            var remaining = Interlocked.Read(ref _deadline) - Stopwatch.GetTimestamp();
            if (remaining <= 0) return;
            // Task.Delay may wake a little early; the loop re-checks, the extra millisecond avoids spinning.
            await Task.Delay(TimeSpan.FromSeconds(remaining / (double)Stopwatch.Frequency) + TimeSpan.FromMilliseconds(1), ct).ConfigureAwait(false);
        }
    }
}
