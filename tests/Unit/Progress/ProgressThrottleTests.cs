using Microsoft.Extensions.Time.Testing;
using OnedriveOffsite.Engine.Progress;
using Xunit;

namespace OnedriveOffsite.Tests.Progress;

/// <summary>How many progress records reach the screen, on an injected clock.</summary>
public sealed class ProgressThrottleTests
{
    private readonly FakeTimeProvider _clock = new();

    private static OperationProgress Update(int id, long done, string status = "uploading") =>
        new(id, "a", status, done, 1000, TimeSpan.Zero, ParentId: id == 0 ? -1 : 0);

    [Fact]
    public void Updates_from_many_parts_reach_the_screen_at_most_ten_times_a_second()
    {
        var throttle = new ProgressThrottle(_clock);
        var shown = 0;
        for (var ms = 0; ms < 10_000; ms++) // 10 s, 8 activities each reporting every millisecond
        {
            for (var id = 0; id < 8; id++) shown += throttle.Offer(Update(id, ms)).Count;
            _clock.Advance(TimeSpan.FromMilliseconds(1));
        }
        Assert.InRange(shown, 95, 10 * 10 + ProgressThrottle.Burst);
    }

    [Fact]
    public void Every_busy_activity_gets_its_turn_with_its_latest_state()
    {
        var throttle = new ProgressThrottle(_clock);
        var shown = new List<OperationProgress>();
        for (var step = 0; step < 100; step++)
        {
            for (var id = 0; id < 5; id++) shown.AddRange(throttle.Offer(Update(id, step)));
            _clock.Advance(TimeSpan.FromMilliseconds(20));
        }
        // 2 s at ≤ 10 a second, shared round-robin: each of the 5 activities is shown about 4 times.
        foreach (var id in Enumerable.Range(0, 5))
            Assert.InRange(shown.Count(s => s.Id == id), 3, 5);
        // What is shown is an activity's newest state, not one queued long ago.
        Assert.All(shown.Where(s => s.Id == 0), s => Assert.True(s.BytesDone >= (long)(shown.IndexOf(s) * 0.9)));
    }

    [Fact]
    public void A_status_change_of_a_quiet_activity_is_shown_within_one_round()
    {
        var throttle = new ProgressThrottle(_clock);
        var shown = new List<OperationProgress>();
        throttle.Offer(Update(0, 0, "1 of 3 parts done"));
        for (var step = 0; step < 50; step++)
        {
            if (step == 10) shown.AddRange(throttle.Offer(Update(0, 0, "waiting for OneDrive (throttled, 5 s)")));
            for (var id = 1; id < 4; id++) shown.AddRange(throttle.Offer(Update(id, step)));
            _clock.Advance(TimeSpan.FromMilliseconds(50));
        }
        var changed = shown.FindIndex(s => s.Id == 0 && s.Status.StartsWith("waiting", StringComparison.Ordinal));
        Assert.InRange(changed, 0, 10);
    }

    [Fact]
    public void Completions_always_pass_at_once()
    {
        var throttle = new ProgressThrottle(_clock);
        for (var i = 0; i < ProgressThrottle.Burst; i++) Assert.Single(throttle.Offer(Update(1, i)));
        Assert.Empty(throttle.Offer(Update(1, 99)));
        var done = throttle.Offer(Update(1, 1000) with { Completed = true });
        Assert.True(Assert.Single(done).Completed);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, Assert.Single(throttle.Offer(Update(2, 1))).Id); // the completed activity's pending state is gone
    }

    [Fact]
    public void After_a_quiet_spell_every_waiting_bar_catches_up_at_once()
    {
        var throttle = new ProgressThrottle(_clock);
        for (var i = 0; i < 20; i++) throttle.Offer(Update(i % 4, i)); // bucket spent, 4 activities left pending
        _clock.Advance(TimeSpan.FromSeconds(2));
        var shown = throttle.Offer(Update(0, 100));
        Assert.Equal([0, 1, 2, 3], shown.Select(s => s.Id).Order());
    }
}
