using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OnedriveOffsite.GraphEmulator.Faults;
using OnedriveOffsite.GraphEmulator.Http;
using OnedriveOffsite.GraphEmulator.Store;

namespace OnedriveOffsite.GraphEmulator.Routes;

/// <summary>
/// The pre-authenticated <c>uploadUrl</c> (<c>/_upload/{id}</c>): PUT fragments, GET status, DELETE cancel,
/// enforcing OneDrive's fragment rules (docs/ONEDRIVE.md) strictly.
/// </summary>
internal sealed partial class UploadSessionHandler(EmulatorState emu)
{
    /// <summary>Every fragment but the last must be a multiple of this (320 KiB).</summary>
    public const long FragmentUnit = 327_680;

    /// <summary>Fragments must be smaller than this (60 MiB).</summary>
    public const long MaxFragment = 60L * 1024 * 1024;

    [GeneratedRegex(@"^bytes (\d+)-(\d+)/(\d+)$")]
    private static partial Regex ContentRangePattern();

    public async Task HandleAsync(HttpContext ctx, string sessionId)
    {
        var method = ctx.Request.Method;
        var (route, request) = method switch
        {
            "PUT" => ("PUT uploadFragment", RequestClass.UploadFragment),
            "GET" => ("GET uploadSession", RequestClass.UploadSessionOther),
            "DELETE" => ("DELETE uploadSession", RequestClass.UploadSessionOther),
            _ => ($"{method} uploadSession", RequestClass.UploadSessionOther),
        };
        var admission = await RequestAdmission.AdmitAsync(ctx, emu, request, route, preAuthenticated: true);
        if (admission.Answered) return;

        var session = emu.Sessions.Find(sessionId);
        if (session is null)
        {
            await SessionNotFound(ctx);
            return;
        }
        if (!await session.Gate.WaitAsync(TimeSpan.FromSeconds(30), ctx.RequestAborted))
        {
            await GraphResponses.Error(ctx, 409, "resourceModified", "Another request on this session is in progress.");
            return;
        }
        try
        {
            // Re-check under the gate: the request ahead of us may have completed or cancelled the session.
            if (emu.Sessions.Find(sessionId) is null)
            {
                await SessionNotFound(ctx);
                return;
            }
            if (admission.Fault == FaultKind.SessionExpired)
            {
                emu.Sessions.Remove(sessionId);
                await SessionNotFound(ctx);
                return;
            }
            switch (method)
            {
                case "PUT" when emu.Hostile.TakeStalledUpload(): await StallUploadAsync(ctx); break;
                case "PUT" when emu.Hostile.TakeUnprogressingAccept():
                    await ctx.Request.Body.CopyToAsync(Stream.Null, ctx.RequestAborted);
                    await GraphResponses.Json(ctx, 202, Status(session));
                    break;
                case "PUT": await PutFragment(ctx, session, admission.Fault); break;
                case "GET": await GraphResponses.Json(ctx, 200, Status(session)); break;
                case "DELETE":
                    emu.Sessions.Remove(sessionId);
                    emu.Stats.SessionCancelled();
                    ctx.Response.StatusCode = 204;
                    break;
                default:
                    await GraphResponses.Error(ctx, 405, "invalidRequest", $"{method} is not supported on an upload URL.");
                    break;
            }
        }
        finally
        {
            session.Gate.Release();
        }
    }

    /// <summary>Reads the first StallAfterBytes of the body, then neither reads nor answers until the client gives up.</summary>
    private async Task StallUploadAsync(HttpContext ctx)
    {
        var buffer = new byte[64 * 1024];
        for (long left = emu.Hostile.StallAfterBytes; left > 0;)
        {
            int read;
            try { read = await ctx.Request.Body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), ctx.RequestAborted); }
            catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException) { return; }
            if (read == 0) break;
            left -= read;
        }
        await HostileBehaviors.StallAsync(ctx);
    }

    private static Task SessionNotFound(HttpContext ctx) =>
        GraphResponses.Error(ctx, 404, "itemNotFound", "The upload session does not exist or has expired.");

    private static JsonObject Status(UploadSession session) => new()
    {
        ["expirationDateTime"] = GraphResponses.Timestamp(session.Expiry),
        ["nextExpectedRanges"] = new JsonArray(session.NextExpectedRanges.Select(r => (JsonNode)r!).ToArray()),
    };

    private async Task PutFragment(HttpContext ctx, UploadSession session, FaultKind? fault)
    {
        var match = ContentRangePattern().Match(ctx.Request.Headers.ContentRange.ToString());
        if (!match.Success || !long.TryParse(match.Groups[1].Value, out var start)
            || !long.TryParse(match.Groups[2].Value, out var end) || !long.TryParse(match.Groups[3].Value, out var total))
        {
            await GraphResponses.Error(ctx, 400, "invalidRequest",
                "A Content-Range header 'bytes START-END/TOTAL' is required.");
            return;
        }
        if (end < start || end >= total)
        {
            await GraphResponses.Error(ctx, 400, "invalidRange", $"The range {start}-{end}/{total} is not valid.");
            return;
        }
        if (total > emu.Options.MaxFileSizeBytes)
        {
            await GraphResponses.Error(ctx, 400, "invalidRequest",
                $"Files larger than {emu.Options.MaxFileSizeBytes} bytes cannot be uploaded.");
            return;
        }
        if (session.Total is { } known && known != total)
        {
            await GraphResponses.Error(ctx, 400, "invalidRange",
                $"The total size {total} differs from {known}, given by the first fragment of this session.");
            return;
        }
        long length = end - start + 1;
        if (ctx.Request.ContentLength is not { } contentLength)
        {
            await GraphResponses.Error(ctx, 411, "lengthRequired", "Content-Length is required for upload fragments.");
            return;
        }
        if (contentLength != length)
        {
            await GraphResponses.Error(ctx, 400, "invalidRequest",
                $"Content-Length {contentLength} does not match Content-Range {start}-{end} ({length} bytes).");
            return;
        }
        if (start != session.NextExpected)
        {
            await GraphResponses.Error(ctx, 416, "invalidRange",
                start < session.NextExpected
                    ? "The uploaded fragment overlaps with data that has already been received."
                    : "The uploaded fragment does not start at the next expected byte.",
                innerCode: start < session.NextExpected ? "fragmentOverlap" : "invalidRange",
                extra: e => e["nextExpectedRanges"] = new JsonArray(session.NextExpectedRanges.Select(r => (JsonNode)r!).ToArray()));
            return;
        }
        if (length >= MaxFragment)
        {
            await GraphResponses.Error(ctx, 413, "requestTooLarge", $"Fragments must be smaller than {MaxFragment} bytes.");
            return;
        }
        if (end + 1 != total && length % FragmentUnit != 0)
        {
            await GraphResponses.Error(ctx, 400, "invalidRange",
                $"A fragment of {length} bytes is not a multiple of {FragmentUnit} bytes (only the last may be).");
            return;
        }
        if (session.Total is null && emu.Store.UsedBytes() + total > emu.Options.DriveCapacityBytes)
        {
            await GraphResponses.Error(ctx, 507, "insufficientStorage", "The drive does not have room for this file.");
            return;
        }
        session.Total = total;

        long storeLimit = length;
        if (fault == FaultKind.PartialFragmentStored)
        {
            // Some bytes, deliberately not a 320 KiB multiple, as OneDrive may keep part of an interrupted fragment.
            storeLimit = length <= 1 ? 0 : 1 + emu.Faults.NextLong(length - 1);
            if (storeLimit % FragmentUnit == 0) storeLimit--;
        }
        long corruptAt = fault == FaultKind.CorruptOnUpload && !session.Corrupted ? length / 2 : -1;
        var hash = session.Hash.Clone();
        BodyCopier.CopyResult copied;
        using (var file = File.OpenHandle(session.TempPath, FileMode.Open, FileAccess.ReadWrite))
        {
            try
            {
                copied = await BodyCopier.CopyAsync(ctx.Request.Body, file, start, length, storeLimit, corruptAt, hash,
                    emu.Stats.UploadBytesArrived, ctx.RequestAborted);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
            {
                RandomAccess.SetLength(file, start); // the client went away mid-fragment: keep nothing of it
                return;
            }
            if (copied.Received != length)
            {
                RandomAccess.SetLength(file, start);
                await GraphResponses.Error(ctx, 400, "invalidRequest", "The body length does not match Content-Range.");
                return;
            }
            RandomAccess.SetLength(file, start + copied.Stored);
        }
        session.Hash = hash;
        session.Corrupted |= corruptAt >= 0 && corruptAt < copied.Stored;
        session.NextExpected = start + copied.Stored;
        emu.Sessions.Touch(session);
        emu.Stats.Uploaded(copied.Stored);

        if (fault == FaultKind.PartialFragmentStored)
        {
            await GraphResponses.Error(ctx, 504, "gatewayTimeout", "The operation timed out.");
            return;
        }
        bool complete = session.NextExpected == total;
        if (fault == FaultKind.LostAcknowledgement)
        {
            if (complete) await CompleteAsync(ctx, session, answer: false);
            await LostAcknowledgement.DeliverAsync(ctx, emu);
            return;
        }
        if (complete) await CompleteAsync(ctx, session, answer: true);
        else await GraphResponses.Json(ctx, 202, Status(session));
    }

    private async Task CompleteAsync(HttpContext ctx, UploadSession session, bool answer)
    {
        var store = emu.Store;
        if (!store.IsAttached(session.Parent))
        {
            emu.Sessions.Remove(session.Id);
            if (answer) await GraphResponses.Error(ctx, 404, "itemNotFound", "The destination folder no longer exists.");
            return;
        }
        var node = store.CommitFile(session.Parent, session.Name, session.Behavior, session.TempPath,
            session.Total!.Value, session.Hash.GetBase64(), out var created);
        emu.Sessions.Remove(session.Id);
        if (node is null)
        {
            if (answer)
                await GraphResponses.Error(ctx, 409, "nameAlreadyExists", $"An item named '{session.Name}' already exists.");
            return;
        }
        emu.Stats.SessionCompleted();
        var item = ItemJson.Item(emu, node, ctx);
        emu.AtRestDamage.AfterCommit(store, node);
        if (answer)
            await GraphResponses.Json(ctx, created ? 201 : 200, item);
    }
}
