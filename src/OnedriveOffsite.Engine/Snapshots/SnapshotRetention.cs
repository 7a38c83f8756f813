namespace OnedriveOffsite.Engine.Snapshots;

/// <summary>
/// Which snapshots of one set a retention rule removes (Remove-OffsiteBackup -KeepLast / -OlderThan): everything but
/// the newest <c>keepLast</c> complete snapshots, and of those only what was created before <c>olderThanUtc</c>
/// when that is given too. An incomplete snapshot newer than the newest complete one is never removed by a rule: a
/// run may still be resuming it.
/// </summary>
public static class SnapshotRetention
{
    public static IReadOnlyList<SnapshotInfo> SelectForRemoval(IEnumerable<SnapshotInfo> snapshotsOfSet, int? keepLast, DateTime? olderThanUtc)
    {
        if (keepLast is null && olderThanUtc is null) throw new ArgumentException("A retention rule needs keepLast or olderThanUtc.");
        var newestFirst = snapshotsOfSet.OrderByDescending(s => s.SnapshotId, StringComparer.Ordinal).ToList();
        var kept = newestFirst.Where(s => s.State == SnapshotState.Complete).Take(keepLast ?? 0).ToHashSet();
        var newestComplete = newestFirst.FirstOrDefault(s => s.State == SnapshotState.Complete);
        return newestFirst
            .Where(s => !kept.Contains(s))
            .Where(s => s.State == SnapshotState.Complete || (newestComplete is not null && string.CompareOrdinal(s.SnapshotId, newestComplete.SnapshotId) < 0))
            .Where(s => olderThanUtc is null || s.CreatedUtc < olderThanUtc)
            .Reverse() // oldest first: an interrupted clean-up leaves the newest snapshots
            .ToList();
    }
}
