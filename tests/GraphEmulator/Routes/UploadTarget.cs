using OnedriveOffsite.GraphEmulator.Http;
using OnedriveOffsite.GraphEmulator.Store;

namespace OnedriveOffsite.GraphEmulator.Routes;

/// <summary>Where an upload addressed as <c>{parent}:/{name}:</c> or <c>items/{id}</c> (replace) goes.</summary>
internal static class UploadTarget
{
    public static async Task<(DriveItemNode Parent, string Name)?> ResolveAsync(HttpContext ctx, DriveStore store,
        GraphAddress address)
    {
        if (address.Path is { Count: > 0 } path)
        {
            if (await GraphApiHandler.ResolveAsync(ctx, store, address, dropLastSegments: 1) is not { } parent)
                return null;
            if (!parent.IsFolder)
            {
                await GraphResponses.Error(ctx, 400, "invalidRequest", "The parent is not a folder.");
                return null;
            }
            return (parent, path[^1]);
        }
        if (await GraphApiHandler.ResolveAsync(ctx, store, address) is not { } item) return null;
        if (item.IsFolder)
        {
            await GraphResponses.Error(ctx, 400, "invalidRequest", "Content can only be uploaded to a file.");
            return null;
        }
        lock (store.Sync) return (item.Parent!, item.Name);
    }
}
