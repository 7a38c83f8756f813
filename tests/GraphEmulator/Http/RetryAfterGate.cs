namespace OnedriveOffsite.GraphEmulator.Http;

/// <summary>
/// One drive-wide Retry-After deadline, as OneDrive applies throttling to the whole app/user rather than to a
/// connection: after a 429/503 with Retry-After, every request before the deadline is counted as a client
/// misbehaviour and throttled again — except requests arriving within the in-flight grace of the throttling
/// answer: parallel workers had those on the wire before the answer existed, so no client could have held them back.
/// They are still answered 429, and counted apart.
/// </summary>
internal sealed class RetryAfterGate(TimeSpan tolerance, TimeSpan inFlightGrace, TimeProvider clock)
{
    private readonly object _gate = new();
    private long _deadlineTicks; // clock timestamp (monotonic for the system clock) so wall-clock jumps cannot fake an early request
    private long _armedTicks;

    public void Arm(int seconds)
    {
        var now = clock.GetTimestamp();
        var deadline = now + (long)((seconds - tolerance.TotalSeconds) * clock.TimestampFrequency);
        lock (_gate)
        {
            _deadlineTicks = Math.Max(_deadlineTicks, deadline);
            _armedTicks = now;
        }
    }

    /// <summary>
    /// Seconds still to wait (rounded up) when a request arrives before the deadline, else null; InFlight when it
    /// arrived so soon after the throttling answer that it was already under way.
    /// </summary>
    public (int Seconds, bool InFlight)? Remaining()
    {
        long now = clock.GetTimestamp();
        lock (_gate)
        {
            if (now >= _deadlineTicks) return null;
            var seconds = Math.Max(1, (int)Math.Ceiling((_deadlineTicks - now) / (double)clock.TimestampFrequency));
            return (seconds, now - _armedTicks < (long)(inFlightGrace.TotalSeconds * clock.TimestampFrequency));
        }
    }
}
