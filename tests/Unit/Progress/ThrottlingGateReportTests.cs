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

        gate.Defer(TimeSpan.FromMilliseconds(200));
        await gate.WaitAsync(CancellationToken.None);
        Assert.Equal(2, outside.Waits.Count);
        Assert.Equal(TimeSpan.Zero, outside.Waits.Last());
    }
}
