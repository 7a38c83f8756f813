using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using OnedriveOffsite.GraphEmulator.Faults;
using OnedriveOffsite.GraphEmulator.Hashing;
using OnedriveOffsite.GraphEmulator.Http;
using OnedriveOffsite.GraphEmulator.Store;

namespace OnedriveOffsite.GraphEmulator.Routes;

/// <summary>The bearer-authenticated Graph API under /v1.0 (drive, items, children, content, upload sessions).</summary>
internal sealed class GraphApiHandler(EmulatorState emu)
{
    private DriveStore Store => emu.Store;

    public async Task HandleAsync(HttpContext ctx)
    {
        var rawTarget = ctx.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var rawPath = rawTarget.Split('?', 2)[0];
        var afterVersion = rawPath.Length > 6 ? rawPath[6..] : ""; // strip "/v1.0/"
        var address = GraphAddress.Parse(afterVersion, Store.DriveId, out var error, out var notFound);
        var method = ctx.Request.Method;
        var request = method == "PUT" && address?.Action == "content" ? RequestClass.SimpleUpload : RequestClass.GraphApi;

        var admission = await RequestAdmission.AdmitAsync(ctx, emu, request,
            address?.RouteKind(method) ?? $"{method} invalid", preAuthenticated: false);
        if (admission.Answered) return;

        if (address is null)
        {
            await (notFound
                ? GraphResponses.Error(ctx, 404, "itemNotFound", error!)
                : GraphResponses.Error(ctx, 400, "invalidRequest", error!));
            return;
        }

        switch (method, address.Action)
        {
            case ("GET", "") when address.Anchor == AnchorKind.Drive: await GetDrive(ctx); break;
            case ("GET", ""): await GetItem(ctx, address); break;
            case ("DELETE", "") when address.Anchor != AnchorKind.Drive: await DeleteItem(ctx, address); break;
            case ("GET", "children"): await ListChildren(ctx, address, rawPath); break;
            case ("POST", "children"): await CreateFolder(ctx, address); break;
            case ("GET", "content"): await RedirectToDownload(ctx, address); break;
            case ("PUT", "content"): await SimpleUpload.HandleAsync(ctx, emu, address, admission.Fault); break;
            case ("POST", "createUploadSession"): await CreateUploadSession(ctx, address); break;
            default:
                await GraphResponses.Error(ctx, 405, "invalidRequest", $"{method} is not supported on this resource.");
                break;
        }
    }

    /// <summary>The item the address names, or null (404 answered) when it does not exist.</summary>
    internal static async Task<DriveItemNode?> ResolveAsync(HttpContext ctx, DriveStore store, GraphAddress address,
        int dropLastSegments = 0)
    {
        var anchor = address.Anchor switch
        {
            AnchorKind.Root => store.Root,
            AnchorKind.AppRoot => store.AppRoot(),
            _ => store.Find(address.ItemId!),
        };
        var path = address.Path ?? [];
        var node = anchor is null ? null : store.Resolve(anchor, path.Take(path.Count - dropLastSegments).ToList());
        if (node is null) await GraphResponses.Error(ctx, 404, "itemNotFound", "The resource could not be found.");
        return node;
    }

    private Task GetDrive(HttpContext ctx)
    {
        long used = Store.UsedBytes(), total = emu.Options.DriveCapacityBytes;
        return GraphResponses.Json(ctx, 200, new JsonObject
        {
            ["id"] = Store.DriveId,
            ["driveType"] = "personal",
            ["owner"] = new JsonObject { ["user"] = new JsonObject { ["displayName"] = "Emulated User" } },
            ["quota"] = new JsonObject
            {
                ["total"] = total, ["used"] = used, ["remaining"] = Math.Max(0, total - used), ["deleted"] = 0,
                ["state"] = used >= total ? "exceeded" : "normal",
            },
        });
    }

    private async Task GetItem(HttpContext ctx, GraphAddress address)
    {
        if (await ResolveAsync(ctx, Store, address) is not { } node) return;
        await GraphResponses.Json(ctx, 200, ItemJson.Item(emu, node, ctx));
    }

    private async Task DeleteItem(HttpContext ctx, GraphAddress address)
    {
        if (await ResolveAsync(ctx, Store, address) is not { } node) return;
        if (node.IsRoot || node.SpecialFolder is not null)
        {
            await GraphResponses.Error(ctx, 403, "accessDenied", "The root and special folders cannot be deleted.");
            return;
        }
        Store.Delete(node);
        emu.Stats.Deleted();
        ctx.Response.StatusCode = 204;
    }

    private async Task ListChildren(HttpContext ctx, GraphAddress address, string rawPath)
    {
        if (await ResolveAsync(ctx, Store, address) is not { } folder) return;
        if (!folder.IsFolder)
        {
            await GraphResponses.Error(ctx, 400, "invalidRequest", "The item is not a folder.");
            return;
        }
        int pageSize = emu.Options.PageSize;
        var topText = ctx.Request.Query["$top"].ToString();
        if (topText.Length > 0)
        {
            if (!int.TryParse(topText, out var top) || top < 1)
            {
                await GraphResponses.Error(ctx, 400, "invalidRequest", "$top must be a positive integer.");
                return;
            }
            pageSize = Math.Min(top, pageSize);
        }
        int offset = 0;
        var skipToken = ctx.Request.Query["$skiptoken"].ToString();
        if (skipToken.Length > 0 && !TryReadSkipToken(skipToken, folder.Id, out offset))
        {
            await GraphResponses.Error(ctx, 400, "invalidRequest", "The $skiptoken is not valid for this collection.");
            return;
        }

        var children = Store.ChildrenSorted(folder);
        var origin = GraphResponses.Origin(ctx);
        var value = new JsonArray();
        foreach (var child in children.Skip(offset).Take(pageSize))
            value.Add(ItemJson.Item(emu, child, ctx));
        var body = new JsonObject
        {
            ["@odata.context"] = $"{origin}/v1.0/$metadata#Collection(driveItem)",
            ["value"] = value,
        };
        if (offset + pageSize < children.Count)
        {
            var token = MakeSkipToken(folder.Id, offset + pageSize);
            var top = topText.Length > 0 ? $"$top={Uri.EscapeDataString(topText)}&" : "";
            var linkOrigin = emu.Hostile.ForeignNextLinkHost is { } foreign ? $"{ctx.Request.Scheme}://{foreign}" : origin;
            body["@odata.nextLink"] = $"{linkOrigin}{rawPath}?{top}$skiptoken={token}";
        }
        await GraphResponses.Json(ctx, 200, body);
    }

    // Opaque to clients (like Graph's), but checked: a token from another folder is rejected.
    private static string MakeSkipToken(string folderId, int offset) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{folderId}|{offset}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryReadSkipToken(string token, string folderId, out int offset)
    {
        offset = 0;
        try
        {
            var b64 = token.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(b64)).Split('|');
            return parts.Length == 2 && parts[0] == folderId && int.TryParse(parts[1], out offset) && offset >= 0;
        }
        catch (FormatException) { return false; }
    }

    private async Task CreateFolder(HttpContext ctx, GraphAddress address)
    {
        if (await ResolveAsync(ctx, Store, address) is not { } parent) return;
        if (!parent.IsFolder)
        {
            await GraphResponses.Error(ctx, 400, "invalidRequest", "The parent is not a folder.");
            return;
        }
        JsonObject? body;
        try { body = await JsonNode.ParseAsync(ctx.Request.Body) as JsonObject; }
        catch (JsonException) { body = null; }
        if (body is null || body["name"] is not JsonValue nameValue || !nameValue.TryGetValue<string>(out var name))
        {
            await GraphResponses.Error(ctx, 400, "invalidRequest", "The body must be a JSON object with a name.");
            return;
        }
        if (body["folder"] is not JsonObject)
        {
            await GraphResponses.Error(ctx, 400, "invalidRequest",
                "Only folders can be created this way (the body needs \"folder\": {}).");
            return;
        }
        if (NameRules.Validate(name) is { } why)
        {
            await GraphResponses.Error(ctx, 400, "invalidRequest", why);
            return;
        }
        var behaviorNode = body["@microsoft.graph.conflictBehavior"];
        var behaviorText = behaviorNode is JsonValue v && v.TryGetValue<string>(out var text) ? text : behaviorNode?.ToJsonString();
        if (!ConflictBehaviors.TryParse(behaviorText, ConflictBehavior.Fail, out var behavior))
        {
            await GraphResponses.Error(ctx, 400, "invalidRequest", $"Unknown conflict behavior '{behaviorText}'.");
            return;
        }
        var folder = Store.CreateFolder(parent, name, behavior);
        if (folder is null)
        {
            await GraphResponses.Error(ctx, 409, "nameAlreadyExists", $"An item named '{name}' already exists.");
            return;
        }
        await GraphResponses.Json(ctx, 201, ItemJson.Item(emu, folder, ctx));
    }

    private async Task RedirectToDownload(HttpContext ctx, GraphAddress address)
    {
        if (await ResolveAsync(ctx, Store, address) is not { } node) return;
        if (node.IsFolder)
        {
            await GraphResponses.Error(ctx, 400, "invalidRequest", "Folders have no content.");
            return;
        }
        string token;
        lock (Store.Sync) token = emu.Downloads.Issue(node);
        ctx.Response.StatusCode = 302;
        ctx.Response.Headers.Location = $"{GraphResponses.PreAuthenticatedOrigin(ctx, emu.Options)}/_download/{token}";
    }

    private async Task CreateUploadSession(HttpContext ctx, GraphAddress address)
    {
        var target = await UploadTarget.ResolveAsync(ctx, Store, address);
        if (target is null) return;
        var (parent, name) = target.Value;

        string? behaviorText = null;
        if (ctx.Request.ContentLength is not 0)
        {
            try
            {
                var body = await JsonNode.ParseAsync(ctx.Request.Body);
                behaviorText = body?["item"]?["@microsoft.graph.conflictBehavior"]?.GetValue<string>();
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                await GraphResponses.Error(ctx, 400, "invalidRequest", "The body is not valid JSON.");
                return;
            }
        }
        if (!ConflictBehaviors.TryParse(behaviorText, ConflictBehavior.Replace, out var behavior))
        {
            await GraphResponses.Error(ctx, 400, "invalidRequest", $"Unknown conflict behavior '{behaviorText}'.");
            return;
        }
        bool exists;
        lock (Store.Sync) exists = parent.Children.TryGetValue(name, out var existing)
            && (behavior == ConflictBehavior.Fail || (existing.IsFolder && behavior == ConflictBehavior.Replace));
        if (exists)
        {
            await GraphResponses.Error(ctx, 409, "nameAlreadyExists", $"An item named '{name}' already exists.");
            return;
        }
        var session = emu.Sessions.Create(parent, name, behavior);
        emu.Stats.SessionCreated();
        await GraphResponses.Json(ctx, 200, new JsonObject
        {
            ["@odata.context"] = $"{GraphResponses.Origin(ctx)}/v1.0/$metadata#microsoft.graph.uploadSession",
            ["uploadUrl"] = $"{GraphResponses.PreAuthenticatedOrigin(ctx, emu.Options)}/_upload/{session.Id}",
            ["expirationDateTime"] = GraphResponses.Timestamp(session.Expiry),
            ["nextExpectedRanges"] = new JsonArray("0-"),
        });
    }
}
