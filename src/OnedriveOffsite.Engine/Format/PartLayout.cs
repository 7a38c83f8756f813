namespace OnedriveOffsite.Engine.Format;

/// <summary>
/// Sizes within a part. A part of L source bytes in segments of S bytes has max(1, ceil(L/S)) records; record i
/// holds the source bytes [i·S, min((i+1)·S, L)) (an empty part has one empty record, so its end is authenticated).
/// A stored record is a 4-byte big-endian length, then AES-GCM ciphertext of (codec byte ‖ payload), then the tag.
/// </summary>
public static class PartLayout
{
    public const int DefaultSegmentSize = 1 << 20;
    public const int MaxSegmentSize = 16 << 20;
    public const int RecordLengthPrefix = 4;
    /// <summary>Length prefix + codec byte + GCM tag.</summary>
    public const int RecordOverhead = RecordLengthPrefix + 1 + Crypto.RecordCipher.TagSize;

    public static long RecordCount(long sourceLength, int segmentSize) =>
        sourceLength == 0 ? 1 : (sourceLength + segmentSize - 1) / segmentSize;

    public static int RecordPlainLength(long sourceLength, int segmentSize, long record) =>
        (int)Math.Min(segmentSize, sourceLength - record * segmentSize);

    /// <summary>The exact stored size of a <see cref="PartCompression.Stored"/> part: known before any byte is read.</summary>
    public static long StoredSizeWithoutCompression(long sourceLength, int segmentSize) =>
        PartHeader.Size + sourceLength + RecordCount(sourceLength, segmentSize) * RecordOverhead;

    /// <summary>The largest sealed record (ciphertext + tag) a part may hold: a record never grows past stored.</summary>
    public static int MaxSealedLength(int segmentSize) => segmentSize + 1 + Crypto.RecordCipher.TagSize;
}
