using System.Management.Automation;

namespace OnedriveOffsite.Infrastructure;

/// <summary>
/// Keeps ANSI colour codes out of logs (docs/DECISIONS.md "No colour codes in redirected output"): PowerShell 7.6
/// writes them into table headers, list labels and warnings even when standard output is a file or a pipe (cron,
/// systemd, `pwsh -File nightly.ps1 >> offsite.log`). When the module is imported in a process whose standard output
/// is redirected and $PSStyle.OutputRendering is still its default (Host), it is set to PlainText. A value the user
/// chose (Ansi, PlainText) is left alone, and an interactive terminal keeps its colours.
/// </summary>
internal static class RedirectedOutputRendering
{
    public static void Apply()
    {
        if (!Console.IsOutputRedirected) return;
        // $PSStyle is PowerShell 7.2+ API; this assembly compiles against PowerShellStandard.Library (5.1 surface).
        var style = typeof(PSObject).Assembly.GetType("System.Management.Automation.PSStyle")?.GetProperty("Instance")?.GetValue(null);
        var property = style?.GetType().GetProperty("OutputRendering");
        if (property is null || !property.PropertyType.IsEnum) return;
        if (property.GetValue(style)?.ToString() != "Host") return;
        property.SetValue(style, Enum.Parse(property.PropertyType, "PlainText"));
    }
}
