using OnedriveOffsite.Engine.Backup;
using Xunit;
using OnedriveOffsite.Engine.Snapshots;

namespace OnedriveOffsite.Tests.Snapshots;

public sealed class SnapshotRetentionTests
{
    private static SnapshotInfo S(int day, SnapshotState state = SnapshotState.Complete) => new()
    {
        Repository = "r", Set = "s", SnapshotId = $"202611{day:D2}T010000000Z-0000000{day % 10}",
        CreatedUtc = new DateTime(2026, 11, day, 1, 0, 0, DateTimeKind.Utc), State = state,
    };

    private static string[] Days(IEnumerable<SnapshotInfo> s) => s.Select(x => x.SnapshotId[6..8]).Order().ToArray();

    [Fact]
    public void KeepLast_keeps_the_newest_complete_snapshots_and_removes_obsolete_incomplete_ones()
    {
        var all = new[] { S(1), S(2), S(3, SnapshotState.Incomplete), S(4), S(5), S(6, SnapshotState.Incomplete) };
        Assert.Equal(new[] { "01", "02", "03" }, Days(SnapshotRetention.SelectForRemoval(all, keepLast: 2, olderThanUtc: null)));
    }

    [Fact]
    public void OlderThan_alone_and_combined_with_KeepLast()
    {
        var all = new[] { S(1), S(2), S(3), S(4) };
        Assert.Equal(new[] { "01", "02" }, Days(SnapshotRetention.SelectForRemoval(all, null, new DateTime(2026, 11, 3, 0, 0, 0, DateTimeKind.Utc))));
        Assert.Equal(new[] { "01" }, Days(SnapshotRetention.SelectForRemoval(all, 3, new DateTime(2026, 11, 3, 0, 0, 0, DateTimeKind.Utc))));
    }

    [Fact]
    public void An_incomplete_snapshot_newer_than_every_complete_one_is_never_removed_by_a_rule()
    {
        var all = new[] { S(1, SnapshotState.Incomplete), S(2, SnapshotState.Incomplete) };
        Assert.Empty(SnapshotRetention.SelectForRemoval(all, 0, new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
    }
}
