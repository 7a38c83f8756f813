using System.Globalization;
using System.Text.RegularExpressions;
using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.IO;

/// <summary>
/// A bandwidth limit in bytes per second, fixed or changing with the time of day like rclone's --bwlimit
/// timetable: entries <c>[Day-]HH:MM,RATE</c> separated by spaces or semicolons, e.g.
/// <c>"08:00,1M 19:00,off"</c> or <c>"Mon-08:00,512K Sat-00:00,off"</c>. RATE is <c>off</c> (no limit) or a size
/// in bytes per second with an optional binary suffix K, M, G (also KB/KiB…); unlike rclone, a bare number means
/// bytes (as the numeric form of the parameters does), not KiB. An entry without a day applies every day. At a
/// given local time the last entry at or before it applies, wrapping around from the end of the week (or day).
/// A fixed limit is the single entry <c>"00:00,RATE"</c>.
/// </summary>
public sealed partial class BandwidthSchedule
{
    private readonly IReadOnlyList<(int MinuteOfWeek, long? Rate)> _slots; // sorted; null rate = off

    private BandwidthSchedule(IReadOnlyList<(int, long?)> slots, string text)
    {
        _slots = slots;
        Text = text;
    }

    /// <summary>The schedule as given (normalised for a fixed rate), for settings and messages.</summary>
    public string Text { get; }

    /// <summary>A fixed limit; null or 0 mean none.</summary>
    public static BandwidthSchedule? Fixed(long? bytesPerSecond)
    {
        if (bytesPerSecond is null or 0) return null;
        if (bytesPerSecond < 0) throw Invalid(bytesPerSecond.Value.ToString(CultureInfo.InvariantCulture), "a rate cannot be negative");
        return new BandwidthSchedule([(0, bytesPerSecond)], bytesPerSecond.Value.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Parses a rate (<c>10M</c>, <c>1048576</c>, <c>off</c>) or a timetable; null for "off", "0" or empty text.
    /// Throws InvalidBandwidthLimit.
    /// </summary>
    public static BandwidthSchedule? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        if (!text.Contains(','))
        {
            var rate = ParseRate(text, text);
            return rate is null ? null : new BandwidthSchedule([(0, rate)], text);
        }
        var slots = new List<(int, long?)>();
        foreach (var entry in text.Split([' ', ';'], StringSplitOptions.RemoveEmptyEntries))
        {
            var m = Entry().Match(entry);
            if (!m.Success) throw Invalid(text, $"'{entry}' is not [Day-]HH:MM,RATE");
            var hour = int.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture);
            var minute = int.Parse(m.Groups["m"].Value, CultureInfo.InvariantCulture);
            if (hour > 23 || minute > 59) throw Invalid(text, $"'{entry}' has no valid time of day");
            var rate = ParseRate(m.Groups["rate"].Value, text);
            var day = m.Groups["day"].Success ? DayIndex(m.Groups["day"].Value, text) : -1;
            for (var d = 0; d < 7; d++)
            {
                if (day == -1 || day == d) slots.Add((d * 1440 + hour * 60 + minute, rate));
            }
        }
        if (slots.Count == 0) throw Invalid(text, "it has no entries");
        // A day-specific entry wins over an every-day entry at the same minute.
        var ordered = slots.Select((s, i) => (s, i)).GroupBy(x => x.s.Item1).Select(g => g.Last().s).OrderBy(s => s.Item1).ToList();
        return ordered.All(s => s.Item2 is null) ? null : new BandwidthSchedule(ordered, text);
    }

    /// <summary>Bytes per second allowed at local time <paramref name="local"/>; null when unlimited.</summary>
    public long? RateAt(DateTime local)
    {
        var minute = ((int)local.DayOfWeek + 6) % 7 * 1440 + local.Hour * 60 + local.Minute; // Monday = 0
        var current = _slots[^1].Rate; // wraps around from the end of the week
        foreach (var (at, rate) in _slots)
        {
            if (at > minute) break;
            current = rate;
        }
        return current;
    }

    public override string ToString() => Text;

    private static long? ParseRate(string text, string whole)
    {
        if (text.Equals("off", StringComparison.OrdinalIgnoreCase)) return null;
        var m = Rate().Match(text);
        if (!m.Success || !decimal.TryParse(m.Groups["n"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
            throw Invalid(whole, $"'{text}' is not a rate (bytes per second, optionally with K, M or G, or 'off')");
        var factor = char.ToUpperInvariant(m.Groups["unit"].Value.FirstOrDefault()) switch
        {
            'K' => 1L << 10,
            'M' => 1L << 20,
            'G' => 1L << 30,
            _ => 1L,
        };
        var bytes = (long)Math.Round(n * factor);
        return bytes == 0 ? null : bytes;
    }

    private static int DayIndex(string day, string whole)
    {
        string[] days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        var i = Array.FindIndex(days, d => day.StartsWith(d, StringComparison.OrdinalIgnoreCase));
        return i >= 0 ? i : throw Invalid(whole, $"'{day}' is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)");
    }

    private static OffsiteException Invalid(string text, string why) =>
        new("InvalidBandwidthLimit", OffsiteErrorCategory.InvalidArgument,
            $"The bandwidth limit '{text}' is not valid: {why}. Give bytes per second (10MB, 1048576, '512K'), 'off', " +
            "or a timetable like '08:00,1M 19:00,off'.", text);

    [GeneratedRegex(@"^(?:(?<day>[A-Za-z]{3,9})-)?(?<h>\d{1,2}):(?<m>\d{2}),(?<rate>[^,]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex Entry();

    [GeneratedRegex(@"^(?<n>\d+(?:\.\d+)?)\s*(?<unit>(?:[KMG](?:i?B)?)|B)?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Rate();
}
