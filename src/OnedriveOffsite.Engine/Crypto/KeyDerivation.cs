using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace OnedriveOffsite.Engine.Crypto;

/// <summary>
/// HKDF-SHA256 (RFC 5869, from the .NET base library) derivations of the master key. Every part and every
/// manifest gets its own key from a fresh random salt, so AES-GCM nonces (a record counter) never repeat under
/// one key, across crashes and resumes alike. Info strings are part of the format (docs/FORMAT.md).
/// </summary>
public static class KeyDerivation
{
    private static readonly byte[] KeyIdInfo = Encoding.ASCII.GetBytes("onedrive-offsite key-id");
    private static readonly byte[] PartInfo = Encoding.ASCII.GetBytes("onedrive-offsite part v1");
    private static readonly byte[] ManifestInfo = Encoding.ASCII.GetBytes("onedrive-offsite manifest v1");

    public static byte[] KeyId(ReadOnlySpan<byte> masterKey)
    {
        var id = new byte[8];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, masterKey, id, ReadOnlySpan<byte>.Empty, KeyIdInfo);
        return id;
    }

    public static byte[] PartKey(MasterKey key, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> snapshotId, int partIndex)
    {
        Span<byte> info = stackalloc byte[PartInfo.Length + 16 + 4];
        PartInfo.CopyTo(info);
        snapshotId.CopyTo(info[PartInfo.Length..]);
        BinaryPrimitives.WriteUInt32BigEndian(info[(PartInfo.Length + 16)..], (uint)partIndex);
        return Derive(key, salt, info);
    }

    public static byte[] ManifestKey(MasterKey key, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> snapshotId)
    {
        Span<byte> info = stackalloc byte[ManifestInfo.Length + 16];
        ManifestInfo.CopyTo(info);
        snapshotId.CopyTo(info[ManifestInfo.Length..]);
        return Derive(key, salt, info);
    }

    private static byte[] Derive(MasterKey key, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info)
    {
        var output = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key.Bytes, output, salt, info);
        return output;
    }
}
