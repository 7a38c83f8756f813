using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OnedriveOffsite.Engine.Crypto;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// The format v2 derivations of the master key (docs/FORMAT.md §9.2), all HKDF-SHA256 from the .NET base library.
/// Info strings are part of the format.
/// </summary>
public static class V2Keys
{
    private static readonly byte[] ChunkIdInfo = Encoding.ASCII.GetBytes("onedrive-offsite chunk-id v2");
    private static readonly byte[] GearInfo = Encoding.ASCII.GetBytes("onedrive-offsite gear v2");
    private static readonly byte[] IndexCacheInfo = Encoding.ASCII.GetBytes("onedrive-offsite index cache v2");

    /// <summary>The BLAKE3 key of chunk ids: the same for every set of a repository (cross-set dedup stays possible).</summary>
    public static byte[] ChunkIdKey(MasterKey key)
    {
        var output = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key.Bytes, output, ReadOnlySpan<byte>.Empty, ChunkIdInfo);
        return output;
    }

    /// <summary>The BLAKE3 key of the local index cache's MACs (docs/FORMAT.md §9.12): never leaves the machine.</summary>
    public static byte[] IndexCacheKey(MasterKey key)
    {
        var output = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key.Bytes, output, ReadOnlySpan<byte>.Empty, IndexCacheInfo);
        return output;
    }

    /// <summary>The 256 gear values of the chunker: secret, so that chunk sizes do not reveal known content.</summary>
    public static ulong[] GearTable(MasterKey key)
    {
        var bytes = new byte[256 * 8];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key.Bytes, bytes, ReadOnlySpan<byte>.Empty, GearInfo);
        var table = new ulong[256];
        for (var i = 0; i < 256; i++) table[i] = BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(i * 8));
        return table;
    }

    /// <summary>The key of one sealed file (pack, index, chunk list or manifest): info = label ‖ the file's 16-byte id.</summary>
    public static byte[] FileKey(MasterKey key, V2FileKind kind, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> fileId)
    {
        var label = Encoding.ASCII.GetBytes(V2Header.Label(kind));
        var info = new byte[label.Length + fileId.Length];
        label.CopyTo(info, 0);
        fileId.CopyTo(info.AsSpan(label.Length));
        var output = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key.Bytes, output, salt, info);
        return output;
    }
}
