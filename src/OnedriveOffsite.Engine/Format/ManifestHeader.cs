using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Format;

/// <summary>
/// The 64-byte plain header of manifest.oom: magic, version, snapshot id, key id and salt. Readable without the
/// key, so listing shows which key a snapshot needs and restore can name both keys before touching any part.
/// </summary>
public sealed record ManifestHeader(byte[] SnapshotId, byte[] KeyId, byte[] Salt)
{
    public const int Size = 64;

    public string KeyIdHex => Convert.ToHexString(KeyId).ToLowerInvariant();
    public string SnapshotIdHex => Convert.ToHexString(SnapshotId).ToLowerInvariant();

    public byte[] ToBytes()
    {
        var b = new byte[Size];
        FormatVersion.ManifestMagic.CopyTo(b);
        b[4] = FormatVersion.Current;
        SnapshotId.CopyTo(b.AsSpan(8, 16));
        KeyId.CopyTo(b.AsSpan(24, 8));
        Salt.CopyTo(b.AsSpan(32, 32));
        return b;
    }

    public static ManifestHeader Parse(ReadOnlySpan<byte> b, string what)
    {
        if (b.Length < Size || !b[..4].SequenceEqual(FormatVersion.ManifestMagic))
            throw new OffsiteException(ErrorIds.Snapshots.ManifestCorrupt, OffsiteErrorCategory.InvalidData,
                $"{what} is not an OnedriveOffsite manifest.", what);
        FormatVersion.Check(b[4], what);
        if (b[5] != 0 || b[6] != 0 || b[7] != 0)
            throw new OffsiteException(ErrorIds.Snapshots.ManifestCorrupt, OffsiteErrorCategory.InvalidData,
                $"{what} has unknown header flags.", what);
        return new ManifestHeader(b.Slice(8, 16).ToArray(), b.Slice(24, 8).ToArray(), b.Slice(32, 32).ToArray());
    }
}
