using System.Text.RegularExpressions;

namespace OnedriveOffsite.Engine.Text;

/// <summary>
/// Shortens a file or set name (progress lines, the snapshot table) by cutting from the middle ("…"), keeping its start and, when it
/// holds one, its date: vzdump-qemu-101-2026_12_01-02_00_00.vma.zst becomes vzdump-qe…2026_12_01-02_00_00.vma.zst,
/// then vzd…2026_12_01-02_00_00…zst, then vz…2026_12_01…st as room shrinks, so dumps of different nights stay apart.
/// Never cuts a surrogate pair. Hand-written: .NET has no middle-ellipsis helper.
/// </summary>
public static partial class NameShortener
{
    private const string Ellipsis = "…";

    // A date (2026_12_01, 2026-12-01, 20261201), optionally followed by a time (02_00_00, 02:00, T020000).
    [GeneratedRegex(@"(?<!\d)(?<date>(?:19|20)\d\d(?<ds>[-_.]?)(?:0[1-9]|1[0-2])\k<ds>(?:0[1-9]|[12]\d|3[01]))(?:[T_\- ]?\d\d(?<ts>[-_:.]?)\d\d(?:\k<ts>\d\d)?)?(?!\d)", RegexOptions.CultureInvariant)]
    private static partial Regex DatePattern();

    public static string Shorten(string name, int maxLength)
    {
        if (maxLength < 3) throw new ArgumentOutOfRangeException(nameof(maxLength));
        if (name.Length <= maxLength) return name;
        var dates = DatePattern().Matches(name);
        if (dates.Count > 0 && dates[^1].Index > 0)
        {
            var date = dates[^1];
            // The start, then the date and everything after it.
            var rest = name[date.Index..];
            var head = maxLength - Ellipsis.Length - rest.Length;
            if (head >= 1) return Cut(name, head) + Ellipsis + rest;
            // The start, the date (with its time, else without), the end.
            foreach (var kept in new[] { date.Value, date.Groups["date"].Value })
            {
                if (KeepAround(name, date.Index, kept.Length, maxLength) is { } shortened) return shortened;
            }
        }
        var keepEnd = (maxLength - Ellipsis.Length) / 2;
        return Cut(name, maxLength - Ellipsis.Length - keepEnd) + Ellipsis + Tail(name, keepEnd);
    }

    /// <summary>name[start..start+length] whole, with at least one char of the start and of the end around it; null if no room.</summary>
    private static string? KeepAround(string name, int start, int length, int maxLength)
    {
        var after = name.Length - start - length;
        var room = maxLength - length - Ellipsis.Length - (after > 0 ? Ellipsis.Length : 0);
        if (room < 1 + (after > 0 ? 1 : 0)) return null;
        var tail = Math.Min(after, room / 2);
        var head = Math.Min(start, room - tail);
        tail = Math.Min(after, room - head);
        var prefix = Cut(name, head);
        if (prefix.Length == 0) return null;
        return prefix + (head < start ? Ellipsis : "") + name.Substring(start, length) + (tail < after ? Ellipsis : "") + Tail(name, tail);
    }

    /// <summary>The first <paramref name="length"/> chars, one fewer if that would split a surrogate pair.</summary>
    private static string Cut(string s, int length) =>
        length > 0 && char.IsHighSurrogate(s[length - 1]) ? s[..(length - 1)] : s[..length];

    /// <summary>The last <paramref name="length"/> chars, one fewer if that would split a surrogate pair.</summary>
    private static string Tail(string s, int length) =>
        length > 0 && char.IsLowSurrogate(s[^length]) ? s[^(length - 1)..] : s[^length..];
}
