using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnedriveOffsite.GraphEmulator.Http;

/// <summary>Writes JSON answers and errors in Microsoft Graph's shape.</summary>
internal static class GraphResponses
{
    /// <summary>camelCase, and quotes/apostrophes left readable (the default encoder escapes them as \u0022).</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Task Json(HttpContext ctx, int status, JsonNode body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        return ctx.Response.WriteAsync(body.ToJsonString(JsonOptions));
    }

    /// <summary><c>{"error":{"code","message","innerError":{...}}}</c>; <paramref name="extra"/> adds fields to error.</summary>
    public static Task Error(HttpContext ctx, int status, string code, string message,
        string? innerCode = null, Action<JsonObject>? extra = null)
    {
        var inner = new JsonObject
        {
            ["date"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss"),
            ["request-id"] = ctx.TraceIdentifier,
        };
        if (innerCode is not null) inner["code"] = innerCode;
        var error = new JsonObject { ["code"] = code, ["message"] = message, ["innerError"] = inner };
        extra?.Invoke(error);
        return Json(ctx, status, new JsonObject { ["error"] = error });
    }

    public static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ");

    /// <summary>Scheme and host as the client addressed us, so generated URLs work through whatever name it used.</summary>
    public static string Origin(HttpContext ctx) => $"{ctx.Request.Scheme}://{ctx.Request.Host}";

    /// <summary>Origin of pre-authenticated upload/download URLs (see EmulatorOptions.PreAuthenticatedHost).</summary>
    public static string PreAuthenticatedOrigin(HttpContext ctx, EmulatorOptions options) =>
        options.PreAuthenticatedHost is { Length: > 0 } host
            ? $"{ctx.Request.Scheme}://{host}:{ctx.Connection.LocalPort}"
            : Origin(ctx);
}
