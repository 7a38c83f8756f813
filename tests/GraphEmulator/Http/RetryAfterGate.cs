using System.Diagnostics;

namespace OnedriveOffsite.GraphEmulator.Http;

/// <summary>
/// One drive-wide Retry-After deadline, as OneDrive applies throttling to the whole app/user rather than to a
/// connection: after a 429/503 with Retry-After, every request before the deadline is counted as a client
/// misbehaviour and throttled again.
/// </summary>
internal sealed class RetryAfterGate(TimeSpan tolerance)
{
    private readonly object _gate = new();
    private long _deadlineTicks; // Stopwatch timestamp; monotonic so wall-clock jumps cannot fake an early request

    public void Arm(int seconds)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)((seconds - tolerance.TotalSeconds) * Stopwatch.Frequency);
        lock (_gate) _deadlineTicks = Math.Max(_deadlineTicks, deadline);
    }

    /// <summary>Seconds still to wait (rounded up) when a request arrives too early, else null.</summary>
    public int? RemainingSeconds()
    {
        long now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            if (now >= _deadlineTicks) return null;
            return Math.Max(1, (int)Math.Ceiling((_deadlineTicks - now) / (double)Stopwatch.Frequency));
        }
    }
}
