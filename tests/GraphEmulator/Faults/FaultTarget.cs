namespace OnedriveOffsite.GraphEmulator.Faults;

/// <summary>
/// Which side of the API a fault hit: Graph API calls, uploads (simple uploads and upload-session requests) or
/// downloads. A scripted fault can be restricted to one (admin <c>"enqueue": ["Throttle429@upload"]</c>), and the
/// stats count faults per kind and target (<c>faultsInjectedByTarget</c>, keys like <c>"Throttle429@upload"</c>).
/// </summary>
public enum FaultTarget
{
    Graph,
    Upload,
    Download,
}

public static class FaultTargets
{
    internal static FaultTarget Of(RequestClass request) => request switch
    {
        RequestClass.GraphApi => FaultTarget.Graph,
        RequestClass.Download => FaultTarget.Download,
        _ => FaultTarget.Upload,
    };

    /// <summary>"Kind" or "Kind@target" (target graph, upload or download).</summary>
    public static (FaultKind Kind, FaultTarget? Target) ParseScripted(string text)
    {
        var at = text.IndexOf('@');
        if (at < 0) return (FaultKindNames.ParseOne(text), null);
        var target = text[(at + 1)..].Trim();
        if (!Enum.TryParse<FaultTarget>(target, ignoreCase: true, out var parsed) || int.TryParse(target, out _))
            throw new ArgumentException($"Unknown fault target '{target}'. Known: {string.Join(", ", Enum.GetNames<FaultTarget>())}.");
        return (FaultKindNames.ParseOne(text[..at]), parsed);
    }

    internal static string Key(FaultKind kind, FaultTarget target) => $"{kind}@{target.ToString().ToLowerInvariant()}";
}
