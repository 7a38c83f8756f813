using System.Collections.Concurrent;

namespace OnedriveOffsite.Engine.Backup;

/// <summary>
/// Reusable segment buffers for stream backups, each large enough to hold a segment AND its encoded record, so a
/// part is encrypted in place. The pool itself does not bound memory: <see cref="StreamBackupOperation"/> bounds the
/// parts alive at once, and the pool only keeps their buffers for reuse (ArrayPool.Shared was not used: it keeps
/// arrays per core and thread, so what it holds on to is not bounded by what this run needs).
/// </summary>
internal sealed class SegmentPool
{
    private readonly ConcurrentBag<byte[]> _free = new();

    public SegmentPool(int bufferSize) => BufferSize = bufferSize;

    public int BufferSize { get; }

    public byte[] Rent() => _free.TryTake(out var buffer) ? buffer : new byte[BufferSize];

    public void Return(byte[] buffer) => _free.Add(buffer);
}
