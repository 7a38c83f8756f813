using System.Buffers.Binary;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Crypto;

namespace OnedriveOffsite.Engine.Format;

/// <summary>
/// Turns the source segments of one part into stored records (docs/FORMAT.md, "Part file"). Holds the part key;
/// not thread-safe. The scratch buffer is reused, so memory per encoder is about two segments.
/// </summary>
public sealed class PartEncoder : IDisposable
{
    private readonly RecordCipher _cipher;
    private readonly SegmentCompressor? _compressor;
    private readonly byte[] _plain;

    public PartEncoder(MasterKey key, PartHeader header, SegmentCompressor? compressor)
    {
        Header = header;
        HeaderBytes = header.ToBytes();
        _cipher = new RecordCipher(KeyDerivation.PartKey(key, header.Salt, header.SnapshotId, header.Index), HeaderBytes);
        _compressor = header.Codec == PartCompression.Zstd ? compressor : null;
        _plain = new byte[1 + header.SegmentSize];
    }

    public PartHeader Header { get; }
    public byte[] HeaderBytes { get; }

    /// <summary>The largest encoded record (length prefix included): the output buffer size callers need.</summary>
    public static int MaxEncodedLength(int segmentSize) => PartLayout.RecordLengthPrefix + PartLayout.MaxSealedLength(segmentSize);

    /// <summary>
    /// Encodes record <paramref name="index"/> into <paramref name="output"/>; returns the bytes written. The segment
    /// is consumed before output is written, so <paramref name="output"/> may be the segment's own buffer (stream
    /// backups encode in place).
    /// </summary>
    public int Encode(long index, bool last, ReadOnlySpan<byte> segment, Span<byte> output)
    {
        var payloadLength = _compressor?.TryCompress(segment, _plain.AsSpan(1)) ?? -1;
        if (payloadLength >= 0)
        {
            _plain[0] = (byte)RecordCompression.Zstd;
        }
        else
        {
            _plain[0] = (byte)RecordCompression.Stored;
            segment.CopyTo(_plain.AsSpan(1));
            payloadLength = segment.Length;
        }
        var plain = _plain.AsSpan(0, 1 + payloadLength);
        var sealedLength = plain.Length + RecordCipher.TagSize;
        BinaryPrimitives.WriteUInt32BigEndian(output, (uint)sealedLength);
        _cipher.Seal(index, last, plain, output.Slice(PartLayout.RecordLengthPrefix, sealedLength));
        return PartLayout.RecordLengthPrefix + sealedLength;
    }

    public void Dispose() => _cipher.Dispose();
}

/// <summary>
/// The first plaintext byte of every record: whether its payload is one zstd frame or the bytes as they are
/// (zstd only in a part whose <see cref="PartCompression"/> is zstd).
/// </summary>
public enum RecordCompression : byte
{
    Stored = 0,
    Zstd = 1,
}
