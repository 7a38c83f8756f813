using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Errors;
using Xunit;
using OnedriveOffsite.Engine.Snapshots;

namespace OnedriveOffsite.Tests.Snapshots;

/// <summary>Retention decisions on synthetic snapshot dates (UTC buckets), with restic forget's semantics.</summary>
public sealed class SnapshotRetentionTests
{
    private static int _n;

    private static SnapshotInfo At(DateTime utc, SnapshotState state = SnapshotState.Complete, bool authenticated = true) => new()
    {
        Repository = "r", Set = "s", SnapshotId = $"{utc:yyyyMMdd'T'HHmmssfff'Z'}-{Interlocked.Increment(ref _n):x8}",
        CreatedUtc = utc, State = state, Authenticated = authenticated && state == SnapshotState.Complete,
    };

    private static SnapshotInfo S(int day, SnapshotState state = SnapshotState.Complete, bool authenticated = true) =>
        At(new DateTime(2026, 11, day, 1, 0, 0, DateTimeKind.Utc), state, authenticated);

    private static IReadOnlyList<RetentionDecision> Decide(IEnumerable<SnapshotInfo> all, RetentionPolicy policy) =>
        SnapshotRetention.Decide(all, policy, TimeZoneInfo.Utc);

    private static string[] Removed(IEnumerable<SnapshotInfo> all, RetentionPolicy policy) =>
        Decide(all, policy).Where(d => d.Remove).Select(d => d.Snapshot.CreatedUtc.ToString("MM-dd HH:mm")).ToArray();

    private static readonly DateTime Nov3 = new(2026, 11, 3, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void KeepLast_keeps_the_newest_complete_snapshots_and_removes_obsolete_incomplete_ones()
    {
        var all = new[] { S(1), S(2), S(3, SnapshotState.Incomplete), S(4), S(5), S(6, SnapshotState.Incomplete) };
        Assert.Equal(new[] { "11-01 01:00", "11-02 01:00", "11-03 01:00" }, Removed(all, new RetentionPolicy { KeepLast = 2 }));
    }

    [Fact]
    public void OlderThan_alone_and_combined_with_KeepLast()
    {
        var all = new[] { S(1), S(2), S(3), S(4) };
        Assert.Equal(new[] { "11-01 01:00", "11-02 01:00" }, Removed(all, new RetentionPolicy { OlderThanUtc = Nov3 }));
        Assert.Equal(new[] { "11-01 01:00" }, Removed(all, new RetentionPolicy { KeepLast = 3, OlderThanUtc = Nov3 }));
    }

    [Fact]
    public void An_incomplete_snapshot_newer_than_every_complete_one_is_never_removed_by_a_rule()
    {
        var all = new[] { S(1, SnapshotState.Incomplete), S(2, SnapshotState.Resumable), S(3), S(4, SnapshotState.Resumable) };
        var decisions = Decide(all, new RetentionPolicy { KeepLast = 1, OlderThanUtc = new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc) });
        Assert.Equal(new[] { "11-01 01:00", "11-02 01:00" }, decisions.Where(d => d.Remove).Select(d => d.Snapshot.CreatedUtc.ToString("MM-dd HH:mm")));
        Assert.Contains("a run may still continue it", decisions.Single(d => d.Snapshot.CreatedUtc.Day == 4).Reason);
    }

    [Fact]
    public void OlderThan_alone_never_removes_the_newest_good_snapshot()
    {
        var all = new[] { S(1), S(2) };
        var decisions = Decide(all, new RetentionPolicy { OlderThanUtc = new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc) });
        Assert.Equal(new[] { "11-01 01:00" }, Removed(all, new RetentionPolicy { OlderThanUtc = new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc) }));
        Assert.Equal("kept: newest good snapshot", decisions.Single(d => !d.Remove).Reason);
    }

    [Fact]
    public void The_newest_good_snapshot_is_kept_even_when_newer_ones_do_not_authenticate_and_those_are_never_counted_or_removed()
    {
        // Day 5 and 6 are complete but their manifests do not authenticate (damaged, another key): they are not copies.
        var all = new[] { S(1), S(2), S(3), S(4), S(5, authenticated: false), S(6, authenticated: false) };
        var decisions = Decide(all, new RetentionPolicy { KeepLast = 2, OlderThanUtc = new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc) });
        Assert.Equal(new[] { 1, 2 }, decisions.Where(d => d.Remove).Select(d => d.Snapshot.CreatedUtc.Day));
        Assert.All(decisions.Where(d => d.Snapshot.CreatedUtc.Day >= 5), d => Assert.Contains("does not authenticate", d.Reason));
        Assert.Contains("newest good snapshot", decisions.Single(d => d.Snapshot.CreatedUtc.Day == 4).Reason);
    }

    [Fact]
    public void With_no_authenticating_snapshot_a_rule_removes_nothing()
    {
        var all = new[] { S(1, authenticated: false), S(2, authenticated: false), S(3, SnapshotState.Incomplete) };
        Assert.Empty(Removed(all, new RetentionPolicy { KeepLast = 1, OlderThanUtc = new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc) }));
    }

    [Theory]
    [InlineData("KeepLast")]
    [InlineData("KeepDaily")]
    [InlineData("KeepYearly")]
    public void A_count_of_zero_is_refused(string rule)
    {
        var policy = rule switch
        {
            "KeepLast" => new RetentionPolicy { KeepLast = 0 },
            "KeepDaily" => new RetentionPolicy { KeepDaily = 0 },
            _ => new RetentionPolicy { KeepYearly = 0 },
        };
        Assert.Equal("InvalidRetentionRule", Assert.Throws<OffsiteException>(() => Decide(new[] { S(1) }, policy)).ErrorId);
        Assert.Equal("RetentionRuleMissing", Assert.Throws<OffsiteException>(() => Decide(new[] { S(1) }, new RetentionPolicy())).ErrorId);
    }

    [Fact]
    public void KeepDaily_keeps_the_newest_snapshot_of_each_of_the_last_n_days_that_have_one()
    {
        // Two snapshots a day on Nov 1, 2, 4 and 5 (none on Nov 3).
        var all = new[] { 1, 2, 4, 5 }.SelectMany(d => new[]
        {
            At(new DateTime(2026, 11, d, 2, 0, 0, DateTimeKind.Utc)), At(new DateTime(2026, 11, d, 14, 0, 0, DateTimeKind.Utc)),
        }).ToList();
        var decisions = Decide(all, new RetentionPolicy { KeepDaily = 3 });
        Assert.Equal(new[] { "11-02 14:00", "11-04 14:00", "11-05 14:00" },
            decisions.Where(d => !d.Remove).Select(d => d.Snapshot.CreatedUtc.ToString("MM-dd HH:mm")));
        Assert.Equal("kept: daily 2026-11-04", decisions.Single(d => d.Snapshot.CreatedUtc == new DateTime(2026, 11, 4, 14, 0, 0, DateTimeKind.Utc)).Reason);
    }

    [Fact]
    public void When_there_are_fewer_buckets_than_asked_the_oldest_snapshot_is_kept_too()
    {
        // restic 0.17: KeepDaily 7 over 3 days keeps the newest of each day and, additionally, the oldest snapshot.
        var all = new[] { At(new DateTime(2026, 11, 1, 2, 0, 0, DateTimeKind.Utc)), At(new DateTime(2026, 11, 1, 14, 0, 0, DateTimeKind.Utc)),
            At(new DateTime(2026, 11, 2, 2, 0, 0, DateTimeKind.Utc)), At(new DateTime(2026, 11, 3, 2, 0, 0, DateTimeKind.Utc)) };
        var decisions = Decide(all, new RetentionPolicy { KeepDaily = 7 });
        Assert.Empty(decisions.Where(d => d.Remove));
        Assert.Equal("kept: oldest daily", decisions.First().Reason);
    }

    [Fact]
    public void KeepWeekly_uses_ISO_weeks_and_KeepMonthly_and_KeepYearly_their_calendar_buckets()
    {
        // Sundays and Mondays: 2026-11-29 (Sun, ISO week 48), 2026-11-30 (Mon, week 49), 2026-12-06 (Sun, week 49).
        var sun = At(new DateTime(2026, 11, 29, 1, 0, 0, DateTimeKind.Utc));
        var mon = At(new DateTime(2026, 11, 30, 1, 0, 0, DateTimeKind.Utc));
        var sun2 = At(new DateTime(2026, 12, 6, 1, 0, 0, DateTimeKind.Utc));
        var weekly = Decide(new[] { sun, mon, sun2 }, new RetentionPolicy { KeepWeekly = 2 });
        Assert.Equal(new[] { mon }, weekly.Where(d => d.Remove).Select(d => d.Snapshot));
        Assert.Contains("weekly 2026-W48", weekly.Single(d => d.Snapshot == sun).Reason);

        var y1 = At(new DateTime(2024, 6, 1, 0, 0, 0, DateTimeKind.Utc));
        var y2a = At(new DateTime(2025, 1, 15, 0, 0, 0, DateTimeKind.Utc));
        var y2b = At(new DateTime(2025, 12, 31, 0, 0, 0, DateTimeKind.Utc));
        var m = At(new DateTime(2026, 1, 2, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(new[] { y1, y2a }, Decide(new[] { y1, y2a, y2b, m }, new RetentionPolicy { KeepYearly = 2 }).Where(d => d.Remove).Select(d => d.Snapshot));
        Assert.Equal(new[] { y1, y2a }, Decide(new[] { y1, y2a, y2b, m }, new RetentionPolicy { KeepMonthly = 2 }).Where(d => d.Remove).Select(d => d.Snapshot));
    }

    [Fact]
    public void KeepHourly_and_KeepWithin_relative_to_the_newest_snapshot()
    {
        var t0 = new DateTime(2026, 11, 10, 12, 0, 0, DateTimeKind.Utc);
        var all = Enumerable.Range(0, 8).Select(i => At(t0.AddMinutes(-40 * i))).ToList(); // 12:00, 11:20, 10:40, 10:00, 09:20, 08:40, 08:00, 07:20
        Assert.Equal(new[] { "11-10 07:20", "11-10 08:00", "11-10 08:40", "11-10 09:20", "11-10 10:00" },
            Removed(all, new RetentionPolicy { KeepHourly = 3 }).Order().ToArray());
        // Within 2 h of the NEWEST snapshot (12:00), not of now: 12:00, 11:20, 10:40 stay.
        Assert.Equal(5, Removed(all, new RetentionPolicy { KeepWithin = TimeSpan.FromHours(2) }).Length);
    }

    [Fact]
    public void Rules_combine_as_a_union_and_each_survivor_says_which_rules_kept_it()
    {
        var all = Enumerable.Range(1, 20).Select(d => S(d)).ToList();
        var decisions = Decide(all, new RetentionPolicy { KeepLast = 2, KeepWeekly = 2 });
        var kept = decisions.Where(d => !d.Remove).ToList();
        // Last 2: Nov 20, 19. Weekly: Nov 20 (week 47), Nov 15 (Sunday, week 46).
        Assert.Equal(new[] { 15, 19, 20 }, kept.Select(d => d.Snapshot.CreatedUtc.Day));
        Assert.Equal("kept: newest good snapshot, last 2, weekly 2026-W47", kept.Last().Reason);
    }

    [Fact]
    public void OlderThan_takes_a_date_a_TimeSpan_or_a_number_of_days_from_an_injected_clock()
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc), RetentionPolicy.OlderThanFrom(30, clock));
        Assert.Equal(new DateTime(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc), RetentionPolicy.OlderThanFrom(TimeSpan.FromHours(12), clock));
        Assert.Equal(new DateTime(2026, 11, 24, 0, 0, 0, DateTimeKind.Utc), RetentionPolicy.OlderThanFrom("7", clock));
        Assert.Equal(new DateTime(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc), RetentionPolicy.OlderThanFrom(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero), clock));
        Assert.Equal("InvalidRetentionRule", Assert.Throws<OffsiteException>(() => RetentionPolicy.OlderThanFrom("soon", clock)).ErrorId);
        Assert.Equal("InvalidRetentionRule", Assert.Throws<OffsiteException>(() => RetentionPolicy.OlderThanFrom(-1, clock)).ErrorId);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
