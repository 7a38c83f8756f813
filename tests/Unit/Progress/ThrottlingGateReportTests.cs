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
    public async Task A_wait_is_reported_about_once_a_second_counting_down_then_its_end()
    {
        var gate = new ThrottlingGate();
        var part = new RecordingStatus();
        gate.Defer(TimeSpan.FromSeconds(2.5));
        using (TransferActivity.Enter(part)) await gate.WaitAsync(CancellationToken.None);

        // About 2.5 s, 1.5 s, 0.5 s left, then over (a slow machine may skip the last tick; 1.5 s of margin for the second).
        var waits = part.Waits.ToArray();
        Assert.Equal(TimeSpan.Zero, waits[^1]);
        var left = waits[..^1];
        Assert.InRange(left.Length, 2, 3);
        Assert.InRange(left[0], TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2.5));
        for (var i = 1; i < left.Length; i++)
        {
            Assert.True(left[i] > TimeSpan.Zero);
            Assert.True(left[i - 1] - left[i] >= TimeSpan.FromSeconds(0.99), $"ticks {left[i - 1]} then {left[i]}");
        }
    }

    [Fact]
    public async Task A_wait_outside_any_part_goes_to_the_gates_own_status_and_no_wait_reports_nothing()
    {
        var outside = new RecordingStatus();
        var gate = new ThrottlingGate(outside);
        await gate.WaitAsync(CancellationToken.None);
        Assert.Empty(outside.Waits);

        gate.Defer(TimeSpan.FromSeconds(1.5)); // wide: the first report needs the wait to be still ahead when it starts
        await gate.WaitAsync(CancellationToken.None);
        Assert.InRange(outside.Waits.Count, 2, 3);
        Assert.True(outside.Waits.First() > TimeSpan.Zero);
        Assert.Equal(TimeSpan.Zero, outside.Waits.Last());
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
        var retry = new GraphRetry(new OneDriveOptions { InitialBackoff = TimeSpan.FromSeconds(4), MaxBackoff = TimeSpan.FromSeconds(4) }, NullObserver.Instance);
        var part = new RetryLog();
        using (TransferActivity.Enter(part)) await retry.PauseAsync(1, "uploading x", "500", null, CancellationToken.None);

        // A backoff of 2–4 s (equal jitter): reported at its start and about once a second after (1 s of margin for the second).
        var reports = part.Retries.ToArray();
        Assert.InRange(reports.Length, 2, 5);
        Assert.All(reports, r => Assert.Equal((2, 8), (r.Attempt, r.Max)));
        Assert.InRange(reports[0].Delay!.Value, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));
        Assert.True(reports[0].Delay - reports[1].Delay >= TimeSpan.FromSeconds(0.99));
    }
}
