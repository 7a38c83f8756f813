using System.Diagnostics;

namespace OnedriveOffsite.Engine.IO;

/// <summary>
/// One token bucket (in its "virtual finish time" form) shared by every parallel transfer of a direction, so
/// that together they stay under the schedule's rate. Each caller asks before sending a slice; it is admitted
/// when the bytes admitted before it have had their time at the current rate. An idle bucket holds no credit
/// beyond <see cref="Burst"/> (a pause does not let the next seconds exceed the limit). Written by hand:
/// System.Threading.RateLimiting's TokenBucketRateLimiter has a fixed rate (no timetable) and no injectable clock.
/// </summary>
public sealed class BandwidthLimiter
{
    /// <summary>Credit an idle limiter may build up.</summary>
    public static readonly TimeSpan Burst = TimeSpan.FromMilliseconds(250);

    private readonly BandwidthSchedule _schedule;
    private readonly Func<TimeSpan> _elapsed;
    private readonly Func<DateTime> _localNow;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly object _gate = new();
    private TimeSpan _next; // on the _elapsed clock: when the bytes admitted so far have had their time

    public BandwidthLimiter(BandwidthSchedule schedule) : this(schedule, MonotonicClock(), () => DateTime.Now, Task.Delay) { }

    private static Func<TimeSpan> MonotonicClock()
    {
        var clock = Stopwatch.StartNew();
        return () => clock.Elapsed;
    }

    /// <summary>With an injected clock (tests): monotonic elapsed time, local wall time for the timetable, and the delay.</summary>
    public BandwidthLimiter(BandwidthSchedule schedule, Func<TimeSpan> elapsed, Func<DateTime> localNow,
        Func<TimeSpan, CancellationToken, Task> delay)
    {
        _schedule = schedule;
        _elapsed = elapsed;
        _localNow = localNow;
        _delay = delay;
    }

    public BandwidthSchedule Schedule => _schedule;

    /// <summary>Waits until <paramref name="bytes"/> may be sent.</summary>
    public Task WaitAsync(int bytes, CancellationToken ct)
    {
        TimeSpan wait;
        lock (_gate)
        {
            var now = _elapsed();
            if (_schedule.RateAt(_localNow()) is not { } rate)
            {
                _next = now;
                return Task.CompletedTask;
            }
            var start = _next > now - Burst ? _next : now - Burst;
            _next = start + TimeSpan.FromSeconds((double)bytes / rate);
            wait = start - now;
        }
        return wait > TimeSpan.Zero ? _delay(wait, ct) : Task.CompletedTask;
    }
}
