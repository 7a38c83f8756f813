using Microsoft.Extensions.Time.Testing;
using OnedriveOffsite.Engine.Progress;
using Xunit;

namespace OnedriveOffsite.Tests.Progress;

/// <summary>What the progress bars of a run with parallel parts say, on an injected clock (no sleeps).</summary>
public sealed class TransferProgressTests
{
    private const long MB = 1_000_000;
    private readonly FakeTimeProvider _clock = new();
    private readonly ProgressLog _log = new();

    private TransferProgress Start(params long[] parts) => new(_log, "Backing up x to y", parts, _clock);

    [Fact]
    public void No_ETA_is_shown_during_the_warm_up_and_one_is_shown_after_it()
    {
        var progress = Start(100 * MB, 100 * MB);
        _clock.Advance(TimeSpan.FromSeconds(1));
        progress.Add(0, 10 * MB, "reading, encrypting");
        Assert.Null(_log.Last(0).Remaining);
        Assert.Null(_log.Last(1).Remaining);

        _clock.Advance(TransferRate.WarmUp);
        progress.Add(0, 30 * MB, "reading, encrypting");
        // 40 MB in 4 s = 10 MB/s overall; 160 MB left → 16 s.
        Assert.Equal(16, _log.Last(0).Remaining!.Value.TotalSeconds, 3);
    }

    [Fact]
    public void A_part_that_started_late_gets_its_share_of_the_overall_rate_not_a_rate_measured_from_the_runs_start()
    {
        var progress = Start(90 * MB, 30 * MB);
        _clock.Advance(TimeSpan.FromSeconds(9));
        progress.Add(0, 90 * MB, "reading, encrypting");  // 10 MB/s until now
        progress.Add(1, 1, "reading, encrypting");        // part 1 starts: two parts share the rate
        _clock.Advance(TimeSpan.FromSeconds(1));
        progress.Add(1, 5 * MB - 1, "reading, encrypting");

        // Overall 95 MB in 10 s = 9.5 MB/s, two parts running: 4.75 MB/s each, 25 MB left → about 5.3 s.
        // (Part bytes over the run's elapsed time, 0.5 MB/s, would have claimed 50 s.)
        var eta = _log.Last(2).Remaining!.Value.TotalSeconds;
        Assert.InRange(eta, 5, 6);
    }

    [Fact]
    public void A_throttled_wait_shows_on_the_part_and_the_top_bar_counting_down_without_an_ETA_then_clears()
    {
        var progress = Start(10 * MB, 10 * MB);
        _clock.Advance(TimeSpan.FromSeconds(5));
        progress.Add(1, MB, "reading, encrypting");
        var part = progress.Part(1);
        using (part.Doing("uploading"))
        {
            part.Retrying(2, 5, null);
            part.Waiting(TimeSpan.FromSeconds(30));
            Assert.Equal("waiting for OneDrive (throttled, 30 s), then retrying (attempt 2 of 5)", _log.Last(2).Status);
            Assert.Equal("waiting for OneDrive (throttled, 30 s)", _log.Last(0).Status);
            Assert.Null(_log.Last(0).Remaining);
            Assert.Null(_log.Last(2).Remaining);

            _clock.Advance(TimeSpan.FromSeconds(10.5));
            part.Waiting(TimeSpan.FromSeconds(19.5));
            Assert.Equal("waiting for OneDrive (throttled, 20 s)", _log.Last(0).Status);

            part.Waiting(TimeSpan.Zero);
            Assert.Equal("retrying (attempt 2 of 5), uploading", _log.Last(2).Status);
            Assert.Equal("0 of 2 parts done", _log.Last(0).Status);
        }
        progress.Add(1, MB, "reading, encrypting");
        Assert.Equal("reading, encrypting", _log.Last(2).Status);
    }

    [Fact]
    public void A_backoff_pause_says_which_attempt_comes_next_and_when()
    {
        var progress = Start(10 * MB);
        var part = progress.Part(0);
        part.Retrying(3, 5, TimeSpan.FromSeconds(2.2));
        Assert.Equal("retrying (attempt 3 of 5) in 3 s", _log.Last(0).Status);
        _clock.Advance(TimeSpan.FromSeconds(3));
        using (part.Doing("uploading"))
            Assert.Equal("retrying (attempt 3 of 5), uploading", _log.Last(0).Status);
    }

    [Fact]
    public void Part_bars_are_named_like_the_part_files_and_close_when_the_part_is_stored()
    {
        var progress = Start(MB, MB, MB);
        progress.Add(2, MB, "reading, encrypting");
        Assert.Equal("part-00002.oop", _log.Last(3).Activity);
        Assert.Equal(0, _log.Last(3).ParentId);
        progress.CompletePart(2);
        Assert.True(_log.Last(3).Completed);
        Assert.Equal("1 of 3 parts done", _log.Last(0).Status);

        progress.Part(2).Waiting(TimeSpan.Zero); // a late report must not reopen the finished bar
        Assert.True(_log.Last(3).Completed);
    }

    [Fact]
    public void Parts_reused_from_an_interrupted_run_count_as_done_but_not_towards_the_rate()
    {
        var progress = Start(100 * MB, 10 * MB);
        progress.Reused(0);
        _clock.Advance(TimeSpan.FromSeconds(5));
        progress.Add(1, 5 * MB, "reading, encrypting");
        var top = _log.Last(0);
        Assert.Equal(105 * MB, top.BytesDone);
        Assert.Equal(MB, top.BytesPerSecond, 3);
        Assert.Equal(5, top.Remaining!.Value.TotalSeconds, 3);
    }

    [Fact]
    public void The_top_bar_says_what_the_run_does_once_every_part_is_through()
    {
        var progress = Start(MB, MB);
        progress.Add(0, MB, "reading, encrypting"); progress.CompletePart(0);
        progress.Add(1, MB, "reading, encrypting"); progress.CompletePart(1);
        progress.Finishing("checking the SHA-256");
        Assert.Equal("checking the SHA-256", _log.Last(0).Status);
    }
}
