using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>The four kinds of file format v2 stores (docs/FORMAT.md §9).</summary>
public enum V2FileKind
{
    Pack,
    Index,
    ChunkList,
    Manifest,
}

/// <summary>
/// The 64-byte plain header every v2 file starts with: magic, version 2, three zero bytes, the file's 16-byte id
/// (pack id, index id, or the snapshot id for a chunk list and a manifest), key id, 32-byte salt. It is the
/// associated data of everything sealed in the file, so none of it can change unnoticed.
/// </summary>
public sealed record V2Header(V2FileKind Kind, byte[] FileId, byte[] KeyId, byte[] Salt)
{
    public const int Size = 64;
    public const byte Version = 2;

    public string FileIdHex => Convert.ToHexString(FileId).ToLowerInvariant();
    public string KeyIdHex => Convert.ToHexString(KeyId).ToLowerInvariant();

    public static ReadOnlySpan<byte> Magic(V2FileKind kind) => kind switch
    {
        V2FileKind.Pack => "OOPK"u8,
        V2FileKind.Index => "OOIX"u8,
        V2FileKind.ChunkList => "OOCL"u8,
        _ => "OOMF"u8,
    };

    /// <summary>The HKDF info label of the file's key (followed by the file id).</summary>
    public static string Label(V2FileKind kind) => kind switch
    {
        V2FileKind.Pack => "onedrive-offsite pack v2",
        V2FileKind.Index => "onedrive-offsite index v2",
        V2FileKind.ChunkList => "onedrive-offsite chunk list v2",
        _ => "onedrive-offsite manifest v2",
    };

    public byte[] ToBytes()
    {
        var b = new byte[Size];
        Magic(Kind).CopyTo(b);
        b[4] = Version;
        FileId.CopyTo(b.AsSpan(8, 16));
        KeyId.CopyTo(b.AsSpan(24, 8));
        Salt.CopyTo(b.AsSpan(32, 32));
        return b;
    }

    /// <summary>Parses a header; <paramref name="errorId"/> names the file kind's corruption error.</summary>
    public static V2Header Parse(V2FileKind kind, ReadOnlySpan<byte> b, string errorId, string what)
    {
        if (b.Length < Size || !b[..4].SequenceEqual(Magic(kind)))
            throw new OffsiteException(errorId, OffsiteErrorCategory.InvalidData,
                $"{what} is not a format v2 {kind.ToString().ToLowerInvariant()} file (wrong magic or truncated).", what);
        if (b[4] != Version)
            throw new OffsiteException(ErrorIds.Snapshots.UnsupportedFormatVersion, OffsiteErrorCategory.InvalidData,
                $"{what} uses backup format version {b[4]} where version 2 was expected. Use a newer OnedriveOffsite to read it.", what);
        if (b[5] != 0 || b[6] != 0 || b[7] != 0)
            throw new OffsiteException(errorId, OffsiteErrorCategory.InvalidData, $"{what} has unknown header flags.", what);
        return new V2Header(kind, b.Slice(8, 16).ToArray(), b.Slice(24, 8).ToArray(), b.Slice(32, 32).ToArray());
    }
}
