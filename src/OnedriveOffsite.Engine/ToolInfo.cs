using System.Reflection;

namespace OnedriveOffsite.Engine;

/// <summary>The tool's name and version, as recorded in manifests and sent as the HTTP User-Agent.</summary>
public static class ToolInfo
{
    public static string Version { get; } =
        typeof(ToolInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
            ?? "0.0.0";

    public static string UserAgentProduct => $"OnedriveOffsite/{Version}";

    /// <summary>The User-Agent Microsoft asks ISVs to send to Graph.</summary>
    public static string UserAgent => $"ISV|OnedriveOffsite|{UserAgentProduct}";
}
