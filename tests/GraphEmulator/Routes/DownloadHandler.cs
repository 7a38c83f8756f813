using System.Text.RegularExpressions;
using OnedriveOffsite.GraphEmulator.Faults;
using OnedriveOffsite.GraphEmulator.Http;

namespace OnedriveOffsite.GraphEmulator.Routes;

/// <summary>The pre-authenticated, short-lived download URL (<c>/_download/{token}</c>) with Range support.</summary>
internal sealed partial class DownloadHandler(EmulatorState emu)
{
    [GeneratedRegex(@"^bytes=(\d*)-(\d*)$")]
    private static partial Regex RangePattern();

    public async Task HandleAsync(HttpContext ctx, string token)
    {
        var admission = await RequestAdmission.AdmitAsync(ctx, emu, RequestClass.Download,
            $"{ctx.Request.Method} download", preAuthenticated: true);
        if (admission.Answered) return;
        if (ctx.Request.Method != "GET")
        {
            await GraphResponses.Error(ctx, 405, "invalidRequest", "Only GET is supported on a download URL.");
            return;
        }
        var grant = emu.Downloads.Find(token);
        if (grant is null)
        {
            await GraphResponses.Error(ctx, 404, "itemNotFound", "Unknown download URL.");
            return;
        }
        if (admission.Fault == FaultKind.DownloadUrlExpired) emu.Downloads.Expire(token);
        if (admission.Fault == FaultKind.DownloadUrlExpired || emu.Downloads.IsExpired(grant))
        {
            await GraphResponses.Error(ctx, 401, "unauthenticated", "The download URL has expired.");
            return;
        }

        FileStream content;
        try
        {
            content = new FileStream(grant.BlobPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete,
                1, useAsync: true);
        }
        catch (FileNotFoundException)
        {
            await GraphResponses.Error(ctx, 404, "itemNotFound", "The item was deleted or replaced.");
            return;
        }
        await using (content)
        {
            long size = content.Length, from = 0, to = size - 1;
            bool partial = false;
            var rangeHeader = ctx.Request.Headers.Range.ToString();
            if (rangeHeader.Length > 0 && admission.Fault != FaultKind.IgnoreRange)
            {
                var m = RangePattern().Match(rangeHeader);
                // Syntax we do not understand (several ranges, other units) is ignored, as HTTP allows.
                if (m.Success && (m.Groups[1].Length > 0 || m.Groups[2].Length > 0))
                {
                    if (m.Groups[1].Length == 0) // suffix: last N bytes
                    {
                        from = Math.Max(0, size - long.Parse(m.Groups[2].Value));
                    }
                    else
                    {
                        from = long.Parse(m.Groups[1].Value);
                        if (m.Groups[2].Length > 0) to = Math.Min(to, long.Parse(m.Groups[2].Value));
                        if (m.Groups[2].Length > 0 && long.Parse(m.Groups[2].Value) < from) from = -1;
                    }
                    if (from < 0 || from >= size)
                    {
                        ctx.Response.Headers.ContentRange = $"bytes */{size}";
                        await GraphResponses.Error(ctx, 416, "invalidRange", "The requested range is not satisfiable.");
                        return;
                    }
                    partial = true;
                }
            }

            long count = Math.Max(0, to - from + 1);
            ctx.Response.StatusCode = partial ? 206 : 200;
            ctx.Response.ContentType = "application/octet-stream";
            ctx.Response.Headers.AcceptRanges = "bytes";
            if (partial) ctx.Response.Headers.ContentRange = $"bytes {from}-{to}/{size}";
            ctx.Response.ContentLength = count;

            bool truncate = admission.Fault == FaultKind.TruncatedDownload;
            bool stall = !truncate && emu.Hostile.TakeStalledDownload();
            long toSend = truncate ? count / 2 : stall ? Math.Min(count, emu.Hostile.StallAfterBytes) : count;
            content.Position = from;
            var buffer = new byte[256 * 1024];
            long sent = 0;
            try
            {
                while (sent < toSend)
                {
                    int read = await content.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, toSend - sent)));
                    if (read == 0) break;
                    await ctx.Response.Body.WriteAsync(buffer.AsMemory(0, read), ctx.RequestAborted);
                    emu.Stats.DownloadBytesWritten(read);
                    sent += read;
                }
                if (stall)
                {
                    await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
                    await HostileBehaviors.StallAsync(ctx);
                }
                if (truncate)
                {
                    await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
                    ctx.Abort();
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException) { /* client went away */ }
            emu.Stats.Downloaded(sent);
        }
    }
}
