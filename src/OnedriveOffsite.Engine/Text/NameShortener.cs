using System.Text.RegularExpressions;

namespace OnedriveOffsite.Engine.Text;

/// <summary>
/// Shortens a file name to a width by cutting from the middle ("…"), keeping the end of the name from its date on
/// when it has one (vzdump-qemu-101-2026_12_01-02_00_00.vma.zst → vz…2026_12_01-02_00_00.vma.zst): in a list of
/// one source's dumps the date is what tells them apart. Without a date, or when even the date part does not fit,
/// the start and the end are kept in equal shares. Hand-written: .NET has no middle-ellipsis helper.
/// </summary>
public static partial class NameShortener
{
    public const char Ellipsis = '…';

    // 2026_12_01, 2026-12-01, 20261201 (vzdump, ISO, compact); years 19xx/20xx so that VM ids and sizes do not match.
    [GeneratedRegex(@"(?<![0-9])(?:19|20)[0-9]{2}[-_.]?(?:0[1-9]|1[0-2])[-_.]?(?:0[1-9]|[12][0-9]|3[01])(?![0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex DatePattern();

    public static string Shorten(string name, int width)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width));
        if (name.Length <= width) return name;
        if (width < 3) return name[..(width - 1)] + Ellipsis;
        var dates = DatePattern().Matches(name);
        if (dates.Count > 0)
        {
            var tail = name[dates[^1].Index..];
            if (tail.Length + 2 <= width) return name[..(width - 1 - tail.Length)] + Ellipsis + tail;
        }
        var keep = width - 1;
        var head = (keep + 1) / 2;
        return name[..head] + Ellipsis + name[^(keep - head)..];
    }
}
