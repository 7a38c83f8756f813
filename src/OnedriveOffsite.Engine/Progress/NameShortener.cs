using System.Text.RegularExpressions;

namespace OnedriveOffsite.Engine.Progress;

/// <summary>
/// Shortens a file or set name for a progress line by cutting from the middle ("…"), keeping its start and, when it
/// holds one, the date part and everything after it: vzdump-qemu-101-2026_12_01-02_00_00.vma.zst becomes
/// vzdump-qe…2026_12_01-02_00_00.vma.zst, so dumps of different nights stay apart. Never cuts a surrogate pair.
/// </summary>
public static partial class NameShortener
{
    /// <summary>The longest file name a progress activity shows whole.</summary>
    public const int FileNameLength = 40;

    /// <summary>The longest set name a progress activity shows whole.</summary>
    public const int SetNameLength = 24;

    private const string Ellipsis = "…";

    // A date (2026_12_01, 2026-12-01, 20261201), optionally followed by a time (02_00_00, 02:00, T020000).
    [GeneratedRegex(@"(?<!\d)(19|20)\d\d([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])([T_\- ]?\d\d([-_:.]?)\d\d(\6\d\d)?)?(?!\d)", RegexOptions.CultureInvariant)]
    private static partial Regex DatePattern();

    public static string Shorten(string name, int maxLength)
    {
        if (maxLength < 3) throw new ArgumentOutOfRangeException(nameof(maxLength));
        if (name.Length <= maxLength) return name;
        var dates = DatePattern().Matches(name);
        if (dates.Count > 0)
        {
            var date = dates[^1];
            var keep = name[date.Index..];
            var head = maxLength - Ellipsis.Length - keep.Length;
            if (head >= 1 && head <= date.Index) return Cut(name, head) + Ellipsis + keep;
            // What follows the date is too long to keep whole: keep the date itself and the very end.
            keep = date.Value;
            var rest = maxLength - 2 * Ellipsis.Length - keep.Length;
            if (rest >= 2 && date.Index > 0)
            {
                var start = Math.Min(date.Index, (rest + 1) / 2);
                var end = rest - start;
                var after = name.Length - (date.Index + date.Length);
                if (end > after) { start += end - after; end = after; }
                start = Math.Min(start, date.Index);
                return Cut(name, start) + Ellipsis + keep + (end > 0 ? Ellipsis + Tail(name, end) : "");
            }
        }
        var keepEnd = (maxLength - Ellipsis.Length) / 2;
        return Cut(name, maxLength - Ellipsis.Length - keepEnd) + Ellipsis + Tail(name, keepEnd);
    }

    /// <summary>The first <paramref name="length"/> chars, one fewer if that would split a surrogate pair.</summary>
    private static string Cut(string s, int length) =>
        length > 0 && char.IsHighSurrogate(s[length - 1]) ? s[..(length - 1)] : s[..length];

    /// <summary>The last <paramref name="length"/> chars, one fewer if that would split a surrogate pair.</summary>
    private static string Tail(string s, int length) =>
        length > 0 && char.IsLowSurrogate(s[^length]) ? s[^(length - 1)..] : s[^length..];
}
