using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace OnedriveOffsite.Tests;

/// <summary>
/// A manual clock that tells the test each timer the code under test starts (a Task.Delay on it), with its due time,
/// so the test advances time exactly to it once the code is waiting: no sleep, no race between "advance" and "wait".
/// </summary>
internal sealed class SteppedClock : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    /// <summary>Starts at the real time now (records the code writes carry plausible times), then moves only when told.</summary>
    public SteppedClock() : base(DateTimeOffset.UtcNow) { }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _timers.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>
    /// Waits until the code starts its next timer (it is then waiting on it) and returns when that timer is due. A 30 s
    /// guard turns a code path that never waits into a failure instead of a hang.
    /// </summary>
    public async Task<TimeSpan> NextTimerAsync()
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _timers.Reader.ReadAsync(guard.Token);
    }

    /// <summary>Waits until the code starts its next timer and moves time to when that timer is due.</summary>
    public async Task<TimeSpan> AdvanceToNextTimerAsync()
    {
        var due = await NextTimerAsync();
        Advance(due);
        return due;
    }
}
