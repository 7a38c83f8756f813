using System.Security.Cryptography;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Streams;

namespace OnedriveOffsite.Engine.Backup;

/// <summary>
/// Cuts a source of unknown length into parts as its bytes arrive, in order, hashing the whole stream (SHA-256) on
/// the way. Each part is filled segment by segment into pooled buffers; the stream's end is known only when a read
/// returns nothing, so the last part is whatever is left (an empty stream is one empty part).
/// </summary>
internal sealed class StreamPartCutter : IDisposable
{
    private readonly IByteSource _source;
    private readonly SegmentPool _pool;
    private readonly long _partSize;
    private readonly int _segmentSize;
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Action<long> _onRead;
    private int _nextIndex;
    private bool _ended;

    public StreamPartCutter(IByteSource source, SegmentPool pool, long partSize, int segmentSize, Action<long> onRead)
    {
        _source = source;
        _pool = pool;
        _partSize = partSize;
        _segmentSize = segmentSize;
        _onRead = onRead;
    }

    public long BytesRead { get; private set; }

    /// <summary>Whether the stream starts like a compressed format (set once the first part was read).</summary>
    public bool LooksCompressed { get; private set; }

    /// <summary>The next part, or null once the stream ended and every byte is in a part already returned.</summary>
    public async Task<HeldPart?> NextAsync(CancellationToken ct)
    {
        if (_ended) return null;
        var part = new HeldPart(_pool, _nextIndex, BytesRead);
        try
        {
            while (!_ended && part.Length < _partSize)
            {
                var want = (int)Math.Min(_segmentSize, _partSize - part.Length);
                var buffer = part.NewSegment();
                var filled = 0;
                while (filled < want)
                {
                    var n = await _source.ReadAsync(buffer.AsMemory(filled, want - filled), ct).ConfigureAwait(false);
                    if (n == 0) { _ended = true; break; }
                    filled += n;
                }
                if (filled == 0)
                {
                    _pool.Return(buffer);
                    part.Buffers.RemoveAt(part.Buffers.Count - 1);
                    part.Lengths.RemoveAt(part.Lengths.Count - 1);
                    break;
                }
                part.SetLastLength(filled);
                _sha.AppendData(buffer, 0, filled);
                if (BytesRead == 0) LooksCompressed = CompressibilityProbe.LooksCompressed(buffer.AsSpan(0, filled));
                BytesRead += filled;
                _onRead(filled);
            }
            if (part.Length == 0 && part.Index > 0)
            {
                part.Dispose();
                return null;
            }
            _nextIndex++;
            return part;
        }
        catch
        {
            part.Dispose();
            throw;
        }
    }

    /// <summary>The SHA-256 of every byte read (call once the stream ended).</summary>
    public string Sha256Hex() => Convert.ToHexString(_sha.GetHashAndReset()).ToLowerInvariant();

    public void Dispose() => _sha.Dispose();
}
