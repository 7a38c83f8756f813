using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Snapshots;

/// <summary>
/// A retention rule for one set (Remove-OffsiteBackup), with restic's <c>forget</c> semantics for the Keep* parts
/// (docs/help/Remove-OffsiteBackup.md): counts are of good snapshots only (complete, manifest authenticated with the
/// loaded key). <see cref="OlderThanUtc"/> narrows what may go: only snapshots created before it are removed.
/// </summary>
public sealed record RetentionPolicy
{
    public int? KeepLast { get; init; }
    public int? KeepHourly { get; init; }
    public int? KeepDaily { get; init; }
    public int? KeepWeekly { get; init; }
    public int? KeepMonthly { get; init; }
    public int? KeepYearly { get; init; }
    /// <summary>Keep every good snapshot created within this span before the newest good snapshot (as restic does).</summary>
    public TimeSpan? KeepWithin { get; init; }
    public DateTime? OlderThanUtc { get; init; }

    public bool HasKeepRule => KeepLast is not null || KeepHourly is not null || KeepDaily is not null || KeepWeekly is not null
        || KeepMonthly is not null || KeepYearly is not null || KeepWithin is not null;

    /// <summary>Refuses an empty rule and counts below 1 (a rule that keeps nothing is never what was meant).</summary>
    public RetentionPolicy Validate()
    {
        if (!HasKeepRule && OlderThanUtc is null)
            throw new OffsiteException(ErrorIds.Snapshots.RetentionRuleMissing, OffsiteErrorCategory.InvalidArgument,
                "Give a retention rule: -KeepLast, -KeepHourly, -KeepDaily, -KeepWeekly, -KeepMonthly, -KeepYearly, -KeepWithin and/or " +
                    "-OlderThan.");
        foreach (var (name, value) in new[] { ("KeepLast", KeepLast), ("KeepHourly", KeepHourly), ("KeepDaily", KeepDaily),
                     ("KeepWeekly", KeepWeekly), ("KeepMonthly", KeepMonthly), ("KeepYearly", KeepYearly) })
            if (value is < 1)
                throw new OffsiteException("InvalidRetentionRule", OffsiteErrorCategory.InvalidArgument,
                    $"-{name} must be at least 1: the newest good snapshot is always kept (to delete it, name it by -SnapshotId).", value);
        if (KeepWithin is { } within && within <= TimeSpan.Zero)
            throw new OffsiteException("InvalidRetentionRule", OffsiteErrorCategory.InvalidArgument,
                "-KeepWithin must be a positive time span.", within);
        return this;
    }

    /// <summary>
    /// -OlderThan as a user gives it: a point in time (DateTime/DateTimeOffset/date text), an age (TimeSpan or
    /// "d.hh:mm:ss" text), or a number of days; ages count back from <paramref name="clock"/>'s now.
    /// </summary>
    public static DateTime OlderThanFrom(object value, TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        switch (value)
        {
            case DateTime t: return t.Kind == DateTimeKind.Unspecified ? t.ToUniversalTime() : t.ToUniversalTime();
            case DateTimeOffset o: return o.UtcDateTime;
            case TimeSpan age when age >= TimeSpan.Zero: return now - age;
            case int or long or short or byte or double or float or decimal:
                var days = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
                if (days >= 0 && days <= 36500) return now.AddDays(-days);
                break;
            case string text:
                if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture,
                    out var d))
                    return OlderThanFrom(d, clock);
                if (TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var span) && text.Contains(':'))
                    return OlderThanFrom(span, clock);
                if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeLocal, out var when))
                    return when.UtcDateTime;
                break;
        }
        throw new OffsiteException("InvalidRetentionRule", OffsiteErrorCategory.InvalidArgument,
            $"-OlderThan takes a date, a TimeSpan (e.g. (New-TimeSpan -Days 30)) or a number of days; '{value}' is none of these.", value);
    }
}
