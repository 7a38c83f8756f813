using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.IO;
using Xunit;

namespace OnedriveOffsite.Tests.Bandwidth;

/// <summary>
/// The shared token bucket and its timetable, on an injected clock: "sleeping" advances the clock, so rates are
/// exact and nothing waits for real.
/// </summary>
public sealed class BandwidthLimiterTests
{
    /// <summary>A fake clock: elapsed time, a local wall time (starting at <paramref name="start"/>), and a delay that advances both.</summary>
    private sealed class FakeClock(DateTime start)
    {
        public TimeSpan Elapsed { get; private set; }
        public DateTime Local => start + Elapsed;
        public int Sleeps { get; private set; }

        public Task Delay(TimeSpan d, CancellationToken ct)
        {
            lock (this)
            {
                Elapsed += d;
                Sleeps++;
            }
            return Task.CompletedTask;
        }

        public void Advance(TimeSpan d) => Elapsed += d;
    }

    private static BandwidthLimiter Limiter(string schedule, FakeClock clock) =>
        new(BandwidthSchedule.Parse(schedule)!, () => clock.Elapsed, () => clock.Local, clock.Delay);

    [Fact]
    public async Task Sixty_seconds_of_slices_average_the_limit()
    {
        var clock = new FakeClock(new DateTime(2026, 12, 2, 12, 0, 0));
        var limiter = Limiter("1M", clock);
        long sent = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            await limiter.WaitAsync(64 * 1024, default);
            sent += 64 * 1024;
        }
        var rate = sent / clock.Elapsed.TotalSeconds;
        Assert.InRange(rate, 0.99 * (1 << 20), 1.01 * (1 << 20));
    }

    [Fact]
    public async Task Parallel_transfers_share_one_bucket()
    {
        var clock = new FakeClock(new DateTime(2026, 12, 2, 12, 0, 0));
        var limiter = Limiter("512K", clock);
        long sent = 0;
        // Four "transfers" interleaved: together they get the limit, not four times it.
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => limiter.WaitAsync(16 * 1024, default)));
            sent += 4 * 16 * 1024;
        }
        Assert.InRange(sent / clock.Elapsed.TotalSeconds, 0.98 * 512 * 1024, 1.02 * 512 * 1024);
    }

    [Fact]
    public async Task An_idle_pause_gives_at_most_the_burst_allowance()
    {
        var clock = new FakeClock(new DateTime(2026, 12, 2, 12, 0, 0));
        var limiter = Limiter("1M", clock);
        await limiter.WaitAsync(1 << 20, default);
        clock.Advance(TimeSpan.FromMinutes(10));
        var before = clock.Elapsed;
        // 10 MiB right after a long idle: only 250 ms of credit, so ~9.75 s of waiting.
        for (var i = 0; i < 160; i++) await limiter.WaitAsync(64 * 1024, default);
        Assert.InRange((clock.Elapsed - before).TotalSeconds, 9.5, 10.0);
    }

    [Fact]
    public async Task Timetable_switches_between_limited_and_off_by_local_time()
    {
        var clock = new FakeClock(new DateTime(2026, 12, 2, 18, 59, 0)); // a Wednesday
        var limiter = Limiter("08:00,1M 19:00,off", clock);
        await limiter.WaitAsync(1 << 20, default);
        await limiter.WaitAsync(1 << 20, default);
        Assert.Equal(1, clock.Sleeps); // limited before 19:00
        clock.Advance(TimeSpan.FromMinutes(2)); // 19:01: off
        var sleeps = clock.Sleeps;
        for (var i = 0; i < 100; i++) await limiter.WaitAsync(1 << 20, default);
        Assert.Equal(sleeps, clock.Sleeps);
    }

    [Theory]
    [InlineData("08:00,1M 19:00,off", "2026-12-02T07:59", null)]        // before the first entry: the day's last one wraps around
    [InlineData("08:00,1M 19:00,off", "2026-12-02T08:00", 1048576L)]
    [InlineData("08:00,1M 19:00,off", "2026-12-02T18:59", 1048576L)]
    [InlineData("08:00,1M;19:00,off", "2026-12-02T19:00", null)]        // semicolons like spaces
    [InlineData("Mon-08:00,512K Sat-00:00,off", "2026-12-05T12:00", null)]          // Saturday
    [InlineData("Mon-08:00,512K Sat-00:00,off", "2026-12-07T07:00", null)]          // Monday before 08:00: still Saturday's
    [InlineData("Mon-08:00,512K Sat-00:00,off", "2026-12-04T23:59", 524288L)]       // Friday
    [InlineData("00:00,2M Sun-00:00,100K", "2026-12-06T10:00", 102400L)]            // a day entry wins on its day
    [InlineData("00:00,2M Sun-00:00,100K", "2026-12-07T10:00", 2097152L)]
    [InlineData("10485760", "2026-12-02T03:00", 10485760L)]
    [InlineData("1.5M", "2026-12-02T03:00", 1572864L)]
    [InlineData("512KiB", "2026-12-02T03:00", 524288L)]
    public void Rate_at_local_time(string schedule, string local, long? expected) =>
        Assert.Equal(expected, BandwidthSchedule.Parse(schedule)!.RateAt(DateTime.Parse(local, System.Globalization.CultureInfo.InvariantCulture)));

    [Theory]
    [InlineData("off")]
    [InlineData("0")]
    [InlineData("")]
    [InlineData("08:00,off 19:00,off")]
    public void Off_forms_mean_no_limit(string text) => Assert.Null(BandwidthSchedule.Parse(text));

    [Theory]
    [InlineData("fast")]
    [InlineData("10X")]
    [InlineData("-5")]
    [InlineData("25:00,1M")]
    [InlineData("08:00,1M 19:00")]
    [InlineData("Xyz-08:00,1M")]
    [InlineData("08:61,1M")]
    public void Bad_limits_are_refused_with_InvalidBandwidthLimit(string text) =>
        Assert.Equal("InvalidBandwidthLimit", Assert.Throws<OffsiteException>(() => BandwidthSchedule.Parse(text)).ErrorId);
}
