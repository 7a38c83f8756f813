using System.Globalization;
using OnedriveOffsite.Engine.Text;

namespace OnedriveOffsite.Infrastructure;

/// <summary>Text the table and list views (OnedriveOffsite.Format.ps1xml) show, kept here so it is testable and the same everywhere.</summary>
public static class ViewText
{
    /// <summary>Width of the Source column of the default snapshot table (the table fits 80 columns).</summary>
    public const int SourceWidth = 30;

    /// <summary>A source name cut from the middle to fit the snapshot table, its date kept (see <see cref="NameShortener"/>).</summary>
    public static string? SourceName(string? name, int width = SourceWidth) => name is null ? null : NameShortener.Shorten(name, width);

    /// <summary>"40 ms" under a second, "3.4 s" under a minute, else "h:mm:ss" with the hours counted on past a day.</summary>
    public static string? Duration(TimeSpan? duration) => duration switch
    {
        null => null,
        { TotalSeconds: < 1 } d => ((int)d.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + " ms",
        { TotalSeconds: < 60 } d => d.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s",
        { } d => $"{(int)d.TotalHours}:{d.Minutes:00}:{d.Seconds:00}",
    };

    /// <summary>Decimal megabytes per second, as MBPerSecond holds them.</summary>
    public static string? Rate(double? mbPerSecond) => mbPerSecond is { } r ? r.ToString("0.0", CultureInfo.InvariantCulture) + " MB/s" : null;

    /// <summary>"1.2 GiB (1288490188 bytes)".</summary>
    public static string SizeWithBytes(long bytes) => bytes < 1024 ? Sizes.Format(bytes) : $"{Sizes.Format(bytes)} ({bytes.ToString(CultureInfo.InvariantCulture)} bytes)";
}
