namespace OnedriveOffsite.Engine.Repositories.OneDrive;

/// <summary>What the repository needs of a driveItem. The download URL is a secret: never print it.</summary>
internal sealed record DriveItemInfo(string Id, string Name, long Size, bool IsFolder, string? QuickXorHash, DateTimeOffset? LastModified)
{
    public static DriveItemInfo From(Microsoft.Graph.Models.DriveItem item) =>
        new(item.Id ?? "", item.Name ?? "", item.Size ?? 0, item.Folder is not null, item.File?.Hashes?.QuickXorHash,
            item.LastModifiedDateTime);
}
