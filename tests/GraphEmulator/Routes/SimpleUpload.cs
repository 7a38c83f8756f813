using OnedriveOffsite.GraphEmulator.Faults;
using OnedriveOffsite.GraphEmulator.Hashing;
using OnedriveOffsite.GraphEmulator.Http;
using OnedriveOffsite.GraphEmulator.Store;

namespace OnedriveOffsite.GraphEmulator.Routes;

/// <summary><c>PUT .../{parent}:/{name}:/content</c> and <c>PUT .../items/{id}/content</c>: small files in one request.</summary>
internal static class SimpleUpload
{
    public static async Task HandleAsync(HttpContext ctx, EmulatorState emu, GraphAddress address, FaultKind? fault)
    {
        var store = emu.Store;
        var target = await UploadTarget.ResolveAsync(ctx, store, address);
        if (target is null) return;
        var (parent, name) = target.Value;

        var behaviorText = ctx.Request.Query["@microsoft.graph.conflictBehavior"].ToString();
        if (!ConflictBehaviors.TryParse(behaviorText, ConflictBehavior.Replace, out var behavior))
        {
            await GraphResponses.Error(ctx, 400, "invalidRequest", $"Unknown conflict behavior '{behaviorText}'.");
            return;
        }
        long max = emu.Options.SimpleUploadMaxBytes;
        if (ctx.Request.ContentLength > max)
        {
            await GraphResponses.Error(ctx, 413, "requestTooLarge",
                $"Simple uploads are limited to {max} bytes; use an upload session.");
            return;
        }
        bool exists;
        lock (store.Sync) exists = parent.Children.TryGetValue(name, out var existing)
            && (behavior == ConflictBehavior.Fail || existing.IsFolder && behavior == ConflictBehavior.Replace);
        if (exists)
        {
            await GraphResponses.Error(ctx, 409, "nameAlreadyExists", $"An item named '{name}' already exists.");
            return;
        }

        var blob = store.NewBlobPath();
        var keepBlob = false;
        try
        {
            var hash = new ReferenceQuickXorHash();
            BodyCopier.CopyResult copied;
            using (var handle = File.OpenHandle(blob, FileMode.CreateNew, FileAccess.Write))
            {
                long corruptAt = fault == FaultKind.CorruptOnUpload ? (ctx.Request.ContentLength ?? 1) / 2 : -1;
                copied = await BodyCopier.CopyAsync(ctx.Request.Body, handle, 0, max, long.MaxValue, corruptAt, hash,
                    emu.Stats.UploadBytesArrived, ctx.RequestAborted);
            }
            if (copied.Received > max)
            {
                await GraphResponses.Error(ctx, 413, "requestTooLarge",
                    $"Simple uploads are limited to {max} bytes; use an upload session.");
                return;
            }
            if (store.UsedBytes() + copied.Stored > emu.Options.DriveCapacityBytes)
            {
                await GraphResponses.Error(ctx, 507, "insufficientStorage", "The drive is full.");
                return;
            }
            var node = store.CommitFile(parent, name, behavior, blob, copied.Stored, hash.GetBase64(), out var created);
            if (node is null)
            {
                await GraphResponses.Error(ctx, 409, "nameAlreadyExists", $"An item named '{name}' already exists.");
                return;
            }
            keepBlob = true;
            emu.Stats.Uploaded(copied.Stored);
            if (fault == FaultKind.LostAcknowledgement)
            {
                await LostAcknowledgement.DeliverAsync(ctx, emu);
                return;
            }
            var item = ItemJson.Item(emu, node, ctx);
            emu.AtRestDamage.AfterCommit(store, node);
            await GraphResponses.Json(ctx, created ? 201 : 200, item);
        }
        finally
        {
            if (!keepBlob) File.Delete(blob);
        }
    }
}
