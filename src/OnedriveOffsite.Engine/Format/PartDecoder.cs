using System.Buffers.Binary;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Crypto;

namespace OnedriveOffsite.Engine.Format;

/// <summary>
/// Reads the records of one stored part from a forward-only stream, authenticates and decodes them, and checks the
/// structure exactly: record lengths, record count, the last-record flag, and nothing after the last record.
/// Every failure is a PartCorrupt error naming the part.
/// </summary>
public sealed class PartDecoder : IDisposable
{
    private readonly Stream _input;
    private readonly string _partName;
    private readonly RecordCipher _cipher;
    private readonly SegmentDecompressor _decompressor = new();
    private readonly byte[] _sealed;
    private readonly byte[] _plain;
    private readonly long _recordCount;
    private long _next;

    public PartDecoder(MasterKey key, PartHeader header, byte[] headerBytes, Stream input, string partName)
    {
        Header = header;
        _input = input;
        _partName = partName;
        _cipher = new RecordCipher(KeyDerivation.PartKey(key, header.Salt, header.SnapshotId, header.Index), headerBytes);
        _sealed = new byte[PartLayout.MaxSealedLength(header.SegmentSize)];
        _plain = new byte[_sealed.Length];
        _recordCount = PartLayout.RecordCount(header.SourceLength, header.SegmentSize);
    }

    public PartHeader Header { get; }

    /// <summary>
    /// Decodes the next record into <paramref name="output"/> (at least SegmentSize bytes); returns its length,
    /// or -1 once every record was read and the stream is verified to end there.
    /// </summary>
    public async ValueTask<int> ReadRecordAsync(Memory<byte> output, CancellationToken ct)
    {
        if (_next == _recordCount)
        {
            if (await _input.ReadAsync(_sealed.AsMemory(0, 1), ct).ConfigureAwait(false) != 0)
                throw PartHeader.Corrupt(_partName, "it has data after its last record");
            return -1;
        }
        var prefix = _sealed.AsMemory(0, PartLayout.RecordLengthPrefix);
        await ReadExactlyAsync(prefix, ct).ConfigureAwait(false);
        var sealedLength = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(prefix.Span));
        if (sealedLength < 1 + RecordCipher.TagSize || sealedLength > _sealed.Length)
            throw PartHeader.Corrupt(_partName, $"record {_next} has an impossible length");
        await ReadExactlyAsync(_sealed.AsMemory(0, sealedLength), ct).ConfigureAwait(false);
        var expected = PartLayout.RecordPlainLength(Header.SourceLength, Header.SegmentSize, _next);
        var length = Decode(_sealed.AsSpan(0, sealedLength), output.Span, expected);
        _next++;
        return length;
    }

    private int Decode(ReadOnlySpan<byte> sealedRecord, Span<byte> output, int expected)
    {
        var last = _next == _recordCount - 1;
        var plainLength = sealedRecord.Length - RecordCipher.TagSize;
        if (!_cipher.TryOpen(_next, last, sealedRecord, _plain))
            throw PartHeader.Corrupt(_partName,
                $"record {_next} failed authentication (modified, truncated, reordered or from another part)");
        var payload = _plain.AsSpan(1, plainLength - 1);
        switch ((RecordCompression)_plain[0])
        {
            case RecordCompression.Stored when payload.Length == expected:
                payload.CopyTo(output);
                return expected;
            case RecordCompression.Zstd when Header.Codec == PartCompression.Zstd && _decompressor.TryDecompress(payload, output, expected):
                return expected;
            default:
                throw PartHeader.Corrupt(_partName, $"record {_next} does not decode to its {expected} source bytes");
        }
    }

    private async ValueTask ReadExactlyAsync(Memory<byte> buffer, CancellationToken ct)
    {
        try { await _input.ReadExactlyAsync(buffer, ct).ConfigureAwait(false); }
        catch (EndOfStreamException) { throw PartHeader.Corrupt(_partName, $"it ends early (truncated at record {_next})"); }
    }

    public void Dispose()
    {
        _cipher.Dispose();
        _decompressor.Dispose();
    }
}
