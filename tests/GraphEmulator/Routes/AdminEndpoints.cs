using System.Text.Json;
using System.Text.Json.Nodes;
using OnedriveOffsite.GraphEmulator.Faults;
using OnedriveOffsite.GraphEmulator.Http;

namespace OnedriveOffsite.GraphEmulator.Routes;

/// <summary>Unauthenticated control endpoints under /_emulator (for Pester and people); never faulted or counted.</summary>
internal static class AdminEndpoints
{
    public static void Map(WebApplication app, GraphEmulatorServer server)
    {
        var admin = app.MapGroup("/_emulator");
        admin.MapGet("/stats", () => Results.Json(server.Stats, GraphResponses.JsonOptions));
        admin.MapPost("/reset-stats", () => { server.ResetStats(); return Results.NoContent(); });
        admin.MapGet("/faults", () => Results.Json(Describe(server.Faults), GraphResponses.JsonOptions));
        admin.MapPost("/faults", async (HttpContext ctx) =>
        {
            try
            {
                var body = await JsonNode.ParseAsync(ctx.Request.Body) as JsonObject ?? [];
                Apply(server.Faults, body);
                return Results.Json(Describe(server.Faults), GraphResponses.JsonOptions);
            }
            catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException)
            {
                return Results.Json(new { error = new { code = "invalidRequest", message = e.Message } },
                    GraphResponses.JsonOptions, statusCode: 400);
            }
        });
        admin.MapPost("/corrupt", (string? path, string? id) =>
        {
            try
            {
                var file = server.CorruptStoredFile(path ?? id ?? "");
                return Results.Json(file, GraphResponses.JsonOptions);
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidOperationException)
            {
                return Results.Json(new { error = new { code = "itemNotFound", message = e.Message } },
                    GraphResponses.JsonOptions, statusCode: 404);
            }
        });
        admin.MapPost("/damage-next-stored-file", (string? name) => { server.DamageNextStoredFile(name ?? ""); return Results.NoContent(); });
        admin.MapPost("/expire-tokens", () => { server.ExpireAccessTokens(); return Results.NoContent(); });
        admin.MapPost("/issue-token", () => Results.Json(new { accessToken = server.IssueToken() }, GraphResponses.JsonOptions));
        admin.MapGet("/token", () => Results.Json(new { accessToken = server.AccessToken }, GraphResponses.JsonOptions));
        admin.MapPost("/expire-download-urls", () => { server.ExpireDownloadUrls(); return Results.NoContent(); });
        admin.MapPost("/expire-upload-sessions", () => { server.ExpireUploadSessions(); return Results.NoContent(); });
        admin.MapGet("/identity", () => server.Identity is { } id
            ? Results.Json(id.Describe(), GraphResponses.JsonOptions)
            : Results.Json(new { error = new { code = "notEnabled", message = "Start the emulator with --identity." } }, GraphResponses.JsonOptions, statusCode: 404));
        admin.MapPost("/identity", async (HttpContext ctx) =>
        {
            if (server.Identity is not { } id)
                return Results.Json(new { error = new { code = "notEnabled", message = "Start the emulator with --identity." } }, GraphResponses.JsonOptions, statusCode: 404);
            var body = await JsonNode.ParseAsync(ctx.Request.Body) as JsonObject ?? [];
            if (body["refreshAnswersInvalidGrant"] is { } invalid) id.RefreshAnswersInvalidGrant = invalid.GetValue<bool>();
            return Results.Json(id.Describe(), GraphResponses.JsonOptions);
        });
    }

    /// <summary>Fields present in the body are changed; "enqueue" scripts faults; "clear": true stops all.</summary>
    private static void Apply(FaultSettings faults, JsonObject body)
    {
        if (body["clear"]?.GetValue<bool>() == true) faults.Clear();
        if (body["rate"] is { } rate) faults.Rate = rate.GetValue<double>();
        if (body["seed"] is { } seed) faults.Seed = seed.GetValue<int>();
        if (body["retryAfterSeconds"] is { } ra) faults.RetryAfterSeconds = ra.GetValue<int>();
        if (body["retryAfterOmittedRate"] is { } omit) faults.RetryAfterOmittedRate = omit.GetValue<double>();
        if (body["kinds"] is { } kinds)
            faults.Kinds = kinds is JsonArray array
                ? FaultKindNames.Parse(array.Select(k => k!.GetValue<string>()))
                : FaultKindNames.Parse(kinds.GetValue<string>());
        if (body["enqueue"] is JsonArray queue)
            foreach (var (kind, target) in queue.Select(k => FaultTargets.ParseScripted(k!.GetValue<string>())))
            {
                if (target is { } t) faults.Enqueue(t, kind);
                else faults.Enqueue(kind);
            }
    }

    private static object Describe(FaultSettings f) => new
    {
        rate = f.Rate,
        kinds = f.Kinds.Select(k => k.ToString()).Order().ToArray(),
        seed = f.Seed,
        retryAfterSeconds = f.RetryAfterSeconds,
        retryAfterOmittedRate = f.RetryAfterOmittedRate,
        pending = f.Pending.Select(k => k.ToString()).ToArray(),
    };
}
