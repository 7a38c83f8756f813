using System.Text.Json.Nodes;
using OnedriveOffsite.GraphEmulator.Http;

namespace OnedriveOffsite.GraphEmulator.Store;

/// <summary>driveItem resources as Graph returns them (the subset clients use).</summary>
internal static class ItemJson
{
    public static JsonObject Item(EmulatorState emu, DriveItemNode node, HttpContext ctx)
    {
        var store = emu.Store;
        var downloadOrigin = GraphResponses.PreAuthenticatedOrigin(ctx, emu.Options);
        lock (store.Sync)
        {
            var json = new JsonObject
            {
                ["id"] = node.Id,
                ["name"] = node.Name,
                ["size"] = node.Size,
                ["eTag"] = $"\"{{{node.Id}}},{node.Version}\"",
                ["cTag"] = $"\"c:{{{node.Id}}},{node.Version}\"",
                ["createdDateTime"] = GraphResponses.Timestamp(node.Created),
                ["lastModifiedDateTime"] = GraphResponses.Timestamp(node.Modified),
                ["parentReference"] = ParentReference(store, node),
            };
            if (node.IsRoot) json["root"] = new JsonObject();
            if (node.SpecialFolder is not null) json["specialFolder"] = new JsonObject { ["name"] = node.SpecialFolder };
            if (node.IsFolder)
            {
                json["folder"] = new JsonObject { ["childCount"] = node.Children.Count };
            }
            else
            {
                json["file"] = new JsonObject
                {
                    ["mimeType"] = "application/octet-stream",
                    ["hashes"] = emu.Options.OmitQuickXorHash ? new JsonObject() : new JsonObject { ["quickXorHash"] = node.QuickXorHash },
                };
                json["@microsoft.graph.downloadUrl"] = $"{downloadOrigin}/_download/{emu.Downloads.Issue(node)}";
            }
            return json;
        }
    }

    private static JsonObject ParentReference(DriveStore store, DriveItemNode node)
    {
        var reference = new JsonObject { ["driveId"] = store.DriveId, ["driveType"] = "personal" };
        if (node.Parent is { } parent)
        {
            reference["id"] = parent.Id;
            reference["path"] = "/drive/root:" + parent.Path;
        }
        return reference;
    }
}
