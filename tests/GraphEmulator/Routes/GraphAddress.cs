using OnedriveOffsite.GraphEmulator.Store;

namespace OnedriveOffsite.GraphEmulator.Routes;

internal enum AnchorKind { Drive, Root, AppRoot, Item }

/// <summary>
/// A parsed Graph drive URL: <c>me/drive</c> or <c>drives/{id}</c>, then <c>root</c>, <c>special/approot</c> or
/// <c>items/{id}</c>, an optional <c>:/a/b:</c> path and an optional action (children, content,
/// createUploadSession).
/// </summary>
/// <remarks>
/// Hand-parsed from the RAW request target rather than matched with ASP.NET route templates: Graph's colon
/// path syntax does not fit templates, and segments must be split before percent-decoding so an encoded
/// "%2F" stays inside a name (where the name rules reject it) instead of becoming a separator.
/// </remarks>
internal sealed record GraphAddress(AnchorKind Anchor, string? ItemId, IReadOnlyList<string>? Path, string Action)
{
    public static readonly string[] Actions = ["", "children", "content", "createUploadSession"];

    /// <summary>Route kind for stats, e.g. "GET children".</summary>
    public string RouteKind(string method) =>
        $"{method} {(Anchor == AnchorKind.Drive ? "drive" : Action.Length == 0 ? "item" : Action)}";

    /// <summary>Parses <paramref name="raw"/> (the part after "/v1.0/", still percent-encoded, no query).</summary>
    /// <returns>Null and an error message (400) or a 404-worthy unknown drive via <paramref name="notFound"/>.</returns>
    public static GraphAddress? Parse(string raw, string driveId, out string? error, out bool notFound)
    {
        error = null;
        notFound = false;
        string rest;
        if (StartsWithSegment(raw, "me/drive", out rest)) { }
        else if (StartsWithSegment(raw, "drives/", out var afterDrives))
        {
            int end = afterDrives.IndexOf('/');
            var id = Uri.UnescapeDataString(end < 0 ? afterDrives : afterDrives[..end]);
            if (!id.Equals(driveId, StringComparison.OrdinalIgnoreCase))
            {
                notFound = true; error = $"Drive '{id}' does not exist.";
                return null;
            }
            rest = end < 0 ? "" : afterDrives[end..];
        }
        else { notFound = true; error = "Only /me/drive and /drives/{id} resources are emulated."; return null; }

        if (rest.Length == 0) return new GraphAddress(AnchorKind.Drive, null, null, "");
        if (rest[0] != '/') { notFound = true; error = "Unknown resource."; return null; }
        rest = rest[1..];

        AnchorKind anchor;
        string? itemId = null;
        if (StartsWithSegment(rest, "root", out var r)) anchor = AnchorKind.Root;
        else if (StartsWithSegment(rest, "special/approot", out r)) anchor = AnchorKind.AppRoot;
        else if (StartsWithSegment(rest, "items/", out var afterItems))
        {
            int end = afterItems.IndexOfAny([':', '/']);
            itemId = Uri.UnescapeDataString(end < 0 ? afterItems : afterItems[..end]);
            r = end < 0 ? "" : afterItems[end..];
            if (itemId.Length == 0) { error = "The item id is empty."; return null; }
            anchor = itemId.Equals("root", StringComparison.OrdinalIgnoreCase) ? AnchorKind.Root : AnchorKind.Item;
            if (anchor == AnchorKind.Root) itemId = null;
        }
        else { notFound = true; error = "Unknown drive resource."; return null; }

        List<string>? path = null;
        if (r.StartsWith(':'))
        {
            int close = r.IndexOf(':', 1);
            var rawPath = close < 0 ? r[1..] : r[1..close];
            r = close < 0 ? "" : r[(close + 1)..];
            if (!rawPath.StartsWith('/')) { error = "A path must start with '/' after the colon."; return null; }
            path = [];
            var segments = rawPath[1..].Split('/');
            for (int i = 0; i < segments.Length; i++)
            {
                if (segments[i].Length == 0 && i == segments.Length - 1) break; // tolerate one trailing slash
                var name = Uri.UnescapeDataString(segments[i]);
                if (NameRules.Validate(name) is { } why) { error = why; return null; }
                path.Add(name);
            }
        }

        string action = "";
        if (r.Length > 0)
        {
            if (r[0] != '/') { error = "Unexpected text after the item address."; return null; }
            var wanted = r[1..].TrimEnd('/');
            action = Actions.FirstOrDefault(a => a.Length > 0 && a.Equals(wanted, StringComparison.OrdinalIgnoreCase))
                ?? "";
            if (action.Length == 0) { notFound = true; error = $"Unsupported segment '{wanted}'."; return null; }
        }
        return new GraphAddress(anchor, itemId, path, action);
    }

    /// <summary>Case-insensitive prefix that ends at a boundary ('/', ':' or the end) unless it ends with '/'.</summary>
    private static bool StartsWithSegment(string s, string prefix, out string rest)
    {
        rest = "";
        if (!s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return false;
        var after = s[prefix.Length..];
        if (!prefix.EndsWith('/') && after.Length > 0 && after[0] is not ('/' or ':')) return false;
        rest = after;
        return true;
    }
}
