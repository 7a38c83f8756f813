using Microsoft.Net.Http.Headers;
using OnedriveOffsite.GraphEmulator.Faults;

namespace OnedriveOffsite.GraphEmulator.Http;

/// <summary>
/// What every emulated request goes through before its handler: counting, the global Retry-After gate,
/// authentication (bearer token, or its ABSENCE on pre-authenticated URLs) and fault injection. Faults that
/// replace the whole answer (429/503/500/reset) are carried out here; request-specific ones are handed on.
/// </summary>
internal static class RequestAdmission
{
    /// <summary>Answered: the pipeline already responded. Otherwise Fault is a request-specific fault or null.</summary>
    public readonly record struct Admission(bool Answered, FaultKind? Fault);

    public static async Task<Admission> AdmitAsync(HttpContext ctx, EmulatorState emu, RequestClass request,
        string route, bool preAuthenticated)
    {
        emu.Stats.Request(route, ctx.Request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? ua : null);

        if (emu.RetryAfter.Remaining() is { } remaining)
        {
            if (remaining.InFlight) emu.Stats.InFlightDuringThrottle();
            else emu.Stats.EarlyRequest();
            ctx.Response.Headers.RetryAfter = remaining.Seconds.ToString();
            await GraphResponses.Error(ctx, 429, "activityLimitReached",
                "The request arrived before the Retry-After delay of an earlier throttling answer had passed.");
            return new(true, null);
        }

        if (preAuthenticated)
        {
            if (ctx.Request.Headers.ContainsKey(HeaderNames.Authorization))
            {
                emu.Stats.AuthorizationViolation();
                await GraphResponses.Error(ctx, 401, "unauthenticated",
                    "This URL is pre-authenticated: requests to it must not carry an Authorization header.");
                return new(true, null);
            }
        }
        else if (emu.Tokens.Check(ctx.Request.Headers.Authorization.ToString()) is { } reason)
        {
            emu.Stats.Unauthorized();
            ctx.Response.Headers.WWWAuthenticate =
                "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\"";
            await GraphResponses.Error(ctx, 401, "InvalidAuthenticationToken", reason);
            return new(true, null);
        }

        var fault = emu.Faults.Decide(request, ctx.Request.Headers.ContainsKey(HeaderNames.Range));
        if (fault is null) return new(false, null);
        emu.Stats.Fault(fault.Value, FaultTargets.Of(request));

        switch (fault.Value)
        {
            case FaultKind.Throttle429:
            case FaultKind.Unavailable503:
                if (!emu.Faults.NextRetryAfterOmitted())
                {
                    int seconds = emu.Faults.RetryAfterSeconds;
                    ctx.Response.Headers.RetryAfter = seconds.ToString();
                    emu.RetryAfter.Arm(seconds);
                }
                await (fault == FaultKind.Throttle429
                    ? GraphResponses.Error(ctx, 429, "activityLimitReached", "The app or user has been throttled.")
                    : GraphResponses.Error(ctx, 503, "serviceNotAvailable", "The service is temporarily unavailable."));
                return new(true, null);
            case FaultKind.ServerError500:
                await GraphResponses.Error(ctx, 500, "generalException", "An unspecified error has occurred.");
                return new(true, null);
            case FaultKind.ConnectionReset:
                await ReadSomeOfBodyAsync(ctx);
                ctx.Abort();
                return new(true, null);
            default:
                return new(false, fault);
        }
    }

    /// <summary>Reads up to half of the body (at most 256 KiB) and discards it, so the reset hits mid-upload.</summary>
    private static async Task ReadSomeOfBodyAsync(HttpContext ctx)
    {
        long want = Math.Min((ctx.Request.ContentLength ?? 0) / 2, 256 * 1024);
        var buffer = new byte[64 * 1024];
        try
        {
            while (want > 0)
            {
                int read = await ctx.Request.Body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, want)));
                if (read == 0) break;
                want -= read;
            }
        }
        catch (IOException) { }
    }
}
