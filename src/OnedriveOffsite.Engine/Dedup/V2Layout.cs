using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>Folder and file names of format v2 inside a set (docs/FORMAT.md §9.1).</summary>
public static class V2Layout
{
    public const string PacksFolder = "packs";
    public const string IndexFolder = "index";
    public const string ChunkListName = "chunks.ooc";
    public const string PackExtension = ".oopk";
    public const string IndexExtension = ".ooix";

    /// <summary>Pack target size: 16 MiB (docs/DECISIONS.md "Pack size").</summary>
    public const int DefaultPackSize = 16 << 20;

    public static SnapshotLocation Packs(string set) => new(set, PacksFolder);
    public static SnapshotLocation Index(string set) => new(set, IndexFolder);

    public static string PackName(byte[] packId) => Convert.ToHexString(packId).ToLowerInvariant() + PackExtension;
    public static string IndexName(byte[] indexId) => Convert.ToHexString(indexId).ToLowerInvariant() + IndexExtension;

    public static bool TryParseId(string name, string extension, out byte[] id)
    {
        id = Array.Empty<byte>();
        if (!name.EndsWith(extension, StringComparison.Ordinal) || name.Length != 32 + extension.Length) return false;
        var hex = name[..32];
        if (hex.Any(c => !Uri.IsHexDigit(c) || char.IsUpper(c))) return false;
        id = Convert.FromHexString(hex);
        return true;
    }
}
