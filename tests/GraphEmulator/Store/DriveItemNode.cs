namespace OnedriveOffsite.GraphEmulator.Store;

/// <summary>One folder or file of the emulated drive. Guarded by the owning <see cref="DriveStore"/>'s lock.</summary>
internal sealed class DriveItemNode
{
    public required string Id { get; init; }
    public required string Name { get; set; }
    public DriveItemNode? Parent { get; set; }
    public bool IsFolder { get; init; }
    public bool IsRoot => Parent is null;
    public string? SpecialFolder { get; set; }
    public Dictionary<string, DriveItemNode> Children { get; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary><see cref="Children"/> by name, cached by the store until a child is added or removed.</summary>
    public List<DriveItemNode>? SortedChildren { get; set; }
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;
    public DateTimeOffset Modified { get; set; } = DateTimeOffset.UtcNow;
    public int Version { get; set; } = 1;

    // Files only.
    public long FileSize { get; set; }
    public string QuickXorHash { get; set; } = "";
    public string? BlobPath { get; set; }

    /// <summary>Files: their size; folders: the total of everything below (as OneDrive reports it).</summary>
    public long Size => IsFolder ? Children.Values.Sum(c => c.Size) : FileSize;

    /// <summary>Path below the root, e.g. "/Apps/OnedriveOffsite/a.bin"; "" for the root.</summary>
    public string Path => IsRoot ? "" : Parent!.Path + "/" + Name;
}

/// <summary>@microsoft.graph.conflictBehavior.</summary>
internal enum ConflictBehavior { Fail, Rename, Replace }

internal static class ConflictBehaviors
{
    public static bool TryParse(string? value, ConflictBehavior fallback, out ConflictBehavior behavior)
    {
        behavior = fallback;
        if (string.IsNullOrEmpty(value)) return true;
        switch (value.ToLowerInvariant())
        {
            case "fail": behavior = ConflictBehavior.Fail; return true;
            case "rename": behavior = ConflictBehavior.Rename; return true;
            case "replace": behavior = ConflictBehavior.Replace; return true;
            default: return false;
        }
    }
}
