using System.Globalization;

namespace OnedriveOffsite.Engine.Snapshots;

/// <summary>What a retention rule does with one snapshot, and why (shown by -WhatIf and -Verbose).</summary>
public sealed record RetentionDecision(SnapshotInfo Snapshot, bool Remove, string Reason);

/// <summary>
/// Applies a <see cref="RetentionPolicy"/> to the snapshots of one set. The rules, in order:
/// <list type="number">
/// <item>Good snapshots (complete, manifest authenticated with the loaded key) are ranked newest first and the
/// Keep* rules are applied to them as restic's forget does: -KeepLast n keeps the n newest; -KeepHourly/-Daily/
/// -Weekly/-Monthly/-Yearly n keep the newest snapshot of each of the n newest hours/days/ISO weeks/months/years
/// that have one (buckets in <c>zone</c>); when a set has fewer such buckets than n, the oldest snapshot is kept
/// too (restic 0.17); -KeepWithin keeps those created within the span before the newest good snapshot.</item>
/// <item>The newest good snapshot is always kept, whatever the rule: only naming it by id removes it.</item>
/// <item>With -OlderThan, only snapshots created before it may go; without a Keep* rule, all good ones before it do.</item>
/// <item>Complete snapshots whose manifest does not authenticate (damaged, another key) are never removed by a
/// rule and never counted as kept copies.</item>
/// <item>Incomplete snapshots older than the newest good one go (within -OlderThan); newer ones stay: a run may
/// still continue them.</item>
/// </list>
/// Decisions come oldest first, so an interrupted clean-up leaves the newest snapshots.
/// </summary>
public static class SnapshotRetention
{
    public static IReadOnlyList<RetentionDecision> Decide(IEnumerable<SnapshotInfo> snapshotsOfSet, RetentionPolicy policy,
        TimeZoneInfo? zone = null)
    {
        policy.Validate();
        zone ??= TimeZoneInfo.Local;
        var newestFirst = snapshotsOfSet.OrderByDescending(s => s.CreatedUtc).ThenByDescending(s => s.SnapshotId, StringComparer.Ordinal)
            .ToList();
        var good = newestFirst.Where(IsGood).ToList();
        var reasons = good.ToDictionary(s => s, _ => new List<string>());
        if (good.Count > 0) reasons[good[0]].Add("newest good snapshot");

        if (policy.KeepLast is { } last)
            foreach (var s in good.Take(last)) reasons[s].Add($"last {last}");
        if (policy.KeepWithin is { } within)
            foreach (var s in good.Where(s => s.CreatedUtc > good[0].CreatedUtc - within)) reasons[s].Add($"within {within}");
        ApplyBuckets(good, reasons, policy.KeepHourly, "hourly", t => t.ToString("yyyy-MM-dd HH", CultureInfo.InvariantCulture), zone);
        ApplyBuckets(good, reasons, policy.KeepDaily, "daily", t => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), zone);
        ApplyBuckets(good, reasons, policy.KeepWeekly, "weekly", t => $"{ISOWeek.GetYear(t)}-W{ISOWeek.GetWeekOfYear(t):D2}", zone);
        ApplyBuckets(good, reasons, policy.KeepMonthly, "monthly", t => t.ToString("yyyy-MM", CultureInfo.InvariantCulture), zone);
        ApplyBuckets(good, reasons, policy.KeepYearly, "yearly", t => t.ToString("yyyy", CultureInfo.InvariantCulture), zone);

        var newestGood = good.FirstOrDefault();
        var decisions = new List<RetentionDecision>();
        foreach (var s in newestFirst)
        {
            var before = policy.OlderThanUtc is null || s.CreatedUtc < policy.OlderThanUtc;
            var olderThanText = policy.OlderThanUtc is { } o ? $"created before {o:yyyy-MM-dd HH:mm:ss}Z" : null;
            RetentionDecision decision;
            if (IsGood(s))
            {
                var why = reasons[s];
                decision = why.Count > 0 ? new(s, false, "kept: " + string.Join(", ", why))
                    : !before ? new(s, false, $"kept: not {olderThanText}")
                    : new(s, true, policy.HasKeepRule ? "no rule keeps it"
                        + (olderThanText is null ? "" : ", " + olderThanText) : olderThanText!);
            }
            else if (s.State == SnapshotState.Complete)
            {
                decision =
                    new(s, false,
                    $"kept, not counted: its manifest does not authenticate with the loaded key ({s.Note ?? "unverified"}); remove it " +
                    $"by -SnapshotId");
            }
            else if (newestGood is null || s.CreatedUtc > newestGood.CreatedUtc
                || (s.CreatedUtc == newestGood.CreatedUtc && string.CompareOrdinal(s.SnapshotId, newestGood.SnapshotId) > 0))
            {
                decision = new(s, false, "kept: incomplete but newer than every good snapshot (a run may still continue it)");
            }
            else
            {
                decision = before
                    ? new(s, true, "incomplete and older than the newest good snapshot"
                    + (olderThanText is null ? "" : ", " + olderThanText))
                    : new(s, false, $"kept: incomplete but not {olderThanText}");
            }
            decisions.Add(decision);
        }
        decisions.Reverse();
        return decisions;
    }

    /// <summary>A copy that counts: complete and its manifest authenticated with the loaded key.</summary>
    public static bool IsGood(SnapshotInfo s) => s.State == SnapshotState.Complete && s.Authenticated;

    // restic: walk newest first; a snapshot is kept when its bucket differs from the last bucket this rule kept,
    // until n buckets are kept. If fewer than n were found, the oldest snapshot is kept as well.
    private static void ApplyBuckets(List<SnapshotInfo> newestFirst, Dictionary<SnapshotInfo, List<string>> reasons, int? count,
        string name, Func<DateTime, string> bucketOf, TimeZoneInfo zone)
    {
        if (count is not { } left) return;
        string? lastBucket = null;
        foreach (var s in newestFirst)
        {
            if (left == 0) return;
            var bucket = bucketOf(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(s.CreatedUtc, DateTimeKind.Utc), zone));
            if (bucket == lastBucket) continue;
            reasons[s].Add($"{name} {bucket}");
            lastBucket = bucket;
            left--;
        }
        if (left > 0 && newestFirst.Count > 0 && !reasons[newestFirst[^1]].Any(r => r.StartsWith(name + " ", StringComparison.Ordinal)))
            reasons[newestFirst[^1]].Add($"oldest {name}");
    }
}
