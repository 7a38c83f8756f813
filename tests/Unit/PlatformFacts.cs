using Xunit;

namespace OnedriveOffsite.Tests;

/// <summary>
/// A fact that can only be checked on Linux/macOS (Unix file modes): on Windows it is reported as SKIPPED, never as a
/// silently shorter passing test.
/// </summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "Unix file modes do not exist on Windows.";
    }
}

/// <summary>A fact that can only be checked on Windows (DPAPI): elsewhere it is reported as SKIPPED.</summary>
public sealed class WindowsFactAttribute : FactAttribute
{
    public WindowsFactAttribute()
    {
        if (!OperatingSystem.IsWindows()) Skip = "DPAPI exists only on Windows.";
    }
}
