using System.Buffers.Binary;
using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Format;

/// <summary>
/// The 88-byte plain header of a part file; authenticated as the associated data of every record. It binds the
/// part to its snapshot, key, position and source range, and carries the random salt its key derives from.
/// </summary>
public sealed record PartHeader(
    byte[] SnapshotId,
    byte[] KeyId,
    int Index,
    long SourceOffset,
    long SourceLength,
    PartCompression Codec,
    int SegmentSize,
    byte[] Salt)
{
    public const int Size = 88;

    public byte[] ToBytes()
    {
        var b = new byte[Size];
        FormatVersion.PartMagic.CopyTo(b);
        b[4] = FormatVersion.Current;
        b[5] = (byte)Codec;
        // b[6..8] reserved, zero
        SnapshotId.CopyTo(b.AsSpan(8, 16));
        KeyId.CopyTo(b.AsSpan(24, 8));
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(32), (uint)Index);
        BinaryPrimitives.WriteInt64BigEndian(b.AsSpan(36), SourceOffset);
        BinaryPrimitives.WriteInt64BigEndian(b.AsSpan(44), SourceLength);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(52), (uint)SegmentSize);
        Salt.CopyTo(b.AsSpan(56, 32));
        return b;
    }

    /// <summary>Parses and sanity-checks a header; <paramref name="partName"/> names the part in errors.</summary>
    public static PartHeader Parse(ReadOnlySpan<byte> b, string partName)
    {
        if (b.Length < Size || !b[..4].SequenceEqual(FormatVersion.PartMagic))
            throw Corrupt(partName, "it does not start with a part header");
        FormatVersion.Check(b[4], partName);
        if (b[5] > (byte)PartCompression.Zstd || b[6] != 0 || b[7] != 0) throw Corrupt(partName, "its header has unknown flags");
        var header = new PartHeader(
            b.Slice(8, 16).ToArray(),
            b.Slice(24, 8).ToArray(),
            (int)BinaryPrimitives.ReadUInt32BigEndian(b[32..]),
            BinaryPrimitives.ReadInt64BigEndian(b[36..]),
            BinaryPrimitives.ReadInt64BigEndian(b[44..]),
            (PartCompression)b[5],
            (int)BinaryPrimitives.ReadUInt32BigEndian(b[52..]),
            b.Slice(56, 32).ToArray());
        if (header.SourceOffset < 0 || header.SourceLength < 0 || header.Index < 0
            || header.SegmentSize <= 0 || header.SegmentSize > PartLayout.MaxSegmentSize)
            throw Corrupt(partName, "its header holds impossible values");
        return header;
    }

    internal static OffsiteException Corrupt(string partName, string why) =>
        new(ErrorIds.Snapshots.PartCorrupt, OffsiteErrorCategory.InvalidData, $"Stored {partName} is damaged: {why}.", partName);
}
