using OnedriveOffsite.GraphEmulator.Http;

namespace OnedriveOffsite.GraphEmulator.Routes;

/// <summary>The answer to a request whose work WAS done: the client must not learn that it was.</summary>
internal static class LostAcknowledgement
{
    public static Task DeliverAsync(HttpContext ctx, EmulatorState emu)
    {
        if (emu.Faults.NextLong(2) == 0)
        {
            ctx.Abort();
            return Task.CompletedTask;
        }
        return GraphResponses.Error(ctx, 504, "gatewayTimeout", "The operation timed out.");
    }
}
