using System.Collections.Concurrent;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories.OneDrive;
using Xunit;

namespace OnedriveOffsite.Tests.Progress;

/// <summary>The Retry-After gate counts its wait down to the part that waits, or to its own activity outside parts.</summary>
public sealed class ThrottlingGateReportTests
{
    private sealed class RecordingStatus : ITransferStatus
    {
        public ConcurrentQueue<TimeSpan> Waits { get; } = new();
        public IDisposable Doing(string step) => throw new InvalidOperationException("the gate does no step");
        public void Waiting(TimeSpan remaining) => Waits.Enqueue(remaining);
        public void Retrying(int attempt, int maxAttempts, TimeSpan? delay) { }
    }

    [Fact]
    public async Task A_wait_is_reported_once_a_second_counting_down_then_its_end()
    {
        var clock = new SteppedClock();
        var gate = new ThrottlingGate(clock: clock);
        var part = new RecordingStatus();
        gate.Defer(TimeSpan.FromSeconds(2.5));
        Task waiting;
        using (TransferActivity.Enter(part)) waiting = gate.WaitAsync(CancellationToken.None);

        // Each tick sleeps at most a second (plus 1 ms so a timer that wakes early does not spin).
        Assert.Equal(TimeSpan.FromMilliseconds(1001), await clock.AdvanceToNextTimerAsync());
        Assert.Equal(TimeSpan.FromMilliseconds(1001), await clock.AdvanceToNextTimerAsync());
        Assert.Equal(TimeSpan.FromMilliseconds(499), await clock.AdvanceToNextTimerAsync());
        await waiting.WaitAsync(TimeSpan.FromSeconds(30)); // a guard, not a timing assumption

        Assert.Equal(new[] { TimeSpan.FromSeconds(2.5), TimeSpan.FromMilliseconds(1499), TimeSpan.FromMilliseconds(498), TimeSpan.Zero },
            part.Waits.ToArray());
    }

    [Fact]
    public async Task A_sliver_left_by_a_timer_that_woke_early_is_waited_out_without_a_report()
    {
        var clock = new SteppedClock();
        var gate = new ThrottlingGate(clock: clock);
        var part = new RecordingStatus();
        gate.Defer(TimeSpan.FromMilliseconds(1030));
        Task waiting;
        using (TransferActivity.Enter(part)) waiting = gate.WaitAsync(CancellationToken.None);

        await clock.AdvanceToNextTimerAsync(); // 1001 ms: 29 ms are left
        Assert.Equal(TimeSpan.FromMilliseconds(30), await clock.AdvanceToNextTimerAsync());
        await waiting.WaitAsync(TimeSpan.FromSeconds(30)); // a guard, not a timing assumption

        Assert.Equal(new[] { TimeSpan.FromMilliseconds(1030), TimeSpan.Zero }, part.Waits.ToArray());
    }

    [Fact]
    public async Task A_wait_outside_any_part_goes_to_the_gates_own_status_and_no_wait_reports_nothing()
    {
        var clock = new SteppedClock();
        var outside = new RecordingStatus();
        var gate = new ThrottlingGate(outside, clock);
        await gate.WaitAsync(CancellationToken.None);
        Assert.Empty(outside.Waits);

        gate.Defer(TimeSpan.FromSeconds(1.5));
        var waiting = gate.WaitAsync(CancellationToken.None);
        await clock.AdvanceToNextTimerAsync();
        await clock.AdvanceToNextTimerAsync();
        await waiting.WaitAsync(TimeSpan.FromSeconds(30)); // a guard, not a timing assumption
        Assert.Equal(new[] { TimeSpan.FromSeconds(1.5), TimeSpan.FromMilliseconds(499), TimeSpan.Zero }, outside.Waits.ToArray());
    }

    private sealed class RetryLog : ITransferStatus
    {
        public ConcurrentQueue<(int Attempt, int Max, TimeSpan? Delay)> Retries { get; } = new();
        public IDisposable Doing(string step) => throw new InvalidOperationException();
        public void Waiting(TimeSpan remaining) { }
        public void Retrying(int attempt, int maxAttempts, TimeSpan? delay) => Retries.Enqueue((attempt, maxAttempts, delay));
    }

    [Fact]
    public async Task A_backoff_pause_counts_down_to_the_part_with_the_attempt_that_comes_next()
    {
        var clock = new SteppedClock();
        var retry = new GraphRetry(new OneDriveOptions
        {
            InitialBackoff = TimeSpan.FromSeconds(4), MaxBackoff = TimeSpan.FromSeconds(4), Clock = clock,
        }, NullObserver.Instance);
        var part = new RetryLog();
        Task pausing;
        using (TransferActivity.Enter(part)) pausing = retry.PauseAsync(1, "uploading x", "500", null, CancellationToken.None);
        var slept = await clock.AdvanceToNextTimerAsync();
        var pause = part.Retries.First().Delay!.Value;
        // One report and one timer per second of the pause, each sleeping at most a second plus 1 ms.
        var ticks = (int)Math.Ceiling(pause / TimeSpan.FromMilliseconds(1001));
        for (var i = 1; i < ticks; i++) slept += await clock.AdvanceToNextTimerAsync();
        await pausing.WaitAsync(TimeSpan.FromSeconds(30));

        // A backoff of 2–4 s (equal jitter), reported at its start and then once a second, each with the time left.
        var reports = part.Retries.ToArray();
        Assert.All(reports, r => Assert.Equal((2, 8), (r.Attempt, r.Max)));
        Assert.InRange(pause, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));
        Assert.Equal(ticks, reports.Length);
        for (var i = 1; i < reports.Length; i++) Assert.Equal(pause - i * TimeSpan.FromMilliseconds(1001), reports[i].Delay);
        Assert.True(slept >= pause, $"slept {slept} for a pause of {pause}");
    }
}
