using System.Globalization;

namespace OnedriveOffsite.Infrastructure;

/// <summary>Human-readable byte counts for messages and views (binary units).</summary>
public static class Sizes
{
    private static readonly string[] Units = { "B", "KiB", "MiB", "GiB", "TiB" };

    public static string Format(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < Units.Length - 1) { value /= 1024; unit++; }
        return unit == 0 ? $"{bytes} B" : value.ToString(value >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture) + " " + Units[unit];
    }
}
