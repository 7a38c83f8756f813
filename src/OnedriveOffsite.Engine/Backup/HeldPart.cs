namespace OnedriveOffsite.Engine.Backup;

/// <summary>
/// One part of a stream backup, held in memory from the moment its bytes arrive until it is stored: its segments
/// (plain as read, then each replaced in place by its encoded record), so that a part the repository asks to store
/// again is re-sent from memory, never re-read from the source. Returns its buffers to the pool when disposed.
/// </summary>
internal sealed class HeldPart : IDisposable
{
    private readonly SegmentPool _pool;

    public HeldPart(SegmentPool pool, int index, long offset)
    {
        _pool = pool;
        Index = index;
        Offset = offset;
    }

    public int Index { get; }
    public long Offset { get; }
    public long Length { get; private set; }

    /// <summary>The segment buffers; the first <see cref="Lengths"/>[i] bytes of each are its content.</summary>
    public List<byte[]> Buffers { get; } = new();
    public List<int> Lengths { get; } = new();

    public byte[] NewSegment()
    {
        var buffer = _pool.Rent();
        Buffers.Add(buffer);
        Lengths.Add(0);
        return buffer;
    }

    /// <summary>Records that the last segment now holds <paramref name="length"/> plain bytes.</summary>
    public void SetLastLength(int length)
    {
        Length += length - Lengths[^1];
        Lengths[^1] = length;
    }

    public void Dispose()
    {
        foreach (var buffer in Buffers) _pool.Return(buffer);
        Buffers.Clear();
        Lengths.Clear();
    }
}
