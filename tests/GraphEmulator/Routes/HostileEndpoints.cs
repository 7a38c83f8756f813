using System.Text.Json.Nodes;
using OnedriveOffsite.GraphEmulator.Faults;
using OnedriveOffsite.GraphEmulator.Http;

namespace OnedriveOffsite.GraphEmulator.Routes;

/// <summary><c>GET/POST /_emulator/hostile</c>: the <see cref="HostileBehaviors"/> knobs (body fields each optional).</summary>
internal static class HostileEndpoints
{
    public static void Map(WebApplication app, GraphEmulatorServer server)
    {
        app.MapGet("/_emulator/hostile", () => Results.Json(Describe(server.Hostile), GraphResponses.JsonOptions));
        app.MapPost("/_emulator/hostile", async (HttpContext ctx) =>
        {
            var body = await JsonNode.ParseAsync(ctx.Request.Body) as JsonObject ?? [];
            var h = server.Hostile;
            if (body["unprogressingAccepts"] is { } a) h.UnprogressingAccepts = a.GetValue<int>();
            if (body["stalledUploads"] is { } u) h.StalledUploads = u.GetValue<int>();
            if (body["stalledDownloads"] is { } d) h.StalledDownloads = d.GetValue<int>();
            if (body["stallAfterBytes"] is { } s) h.StallAfterBytes = s.GetValue<long>();
            if (body.ContainsKey("foreignNextLinkHost")) h.ForeignNextLinkHost = body["foreignNextLinkHost"]?.GetValue<string>();
            return Results.Json(Describe(h), GraphResponses.JsonOptions);
        });
    }

    private static object Describe(HostileBehaviors h) => new
    {
        unprogressingAccepts = h.UnprogressingAccepts,
        stalledUploads = h.StalledUploads,
        stalledDownloads = h.StalledDownloads,
        stallAfterBytes = h.StallAfterBytes,
        foreignNextLinkHost = h.ForeignNextLinkHost,
        delivered = h.Delivered,
    };
}
