using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.IO;

/// <summary>A read stream that waits for its direction's shared bandwidth limit before handing out each read.</summary>
internal sealed class RateLimitedReadStream(Stream inner, BandwidthLimiter limiter) : Stream
{
    private const int MaxRead = 64 * 1024;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var n = await inner.ReadAsync(buffer[..Math.Min(buffer.Length, MaxRead)], ct).ConfigureAwait(false);
        if (n > 0) await limiter.WaitAsync(n, ct).ConfigureAwait(false);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>A part sink that waits for the shared upload limit before passing each slice on (local repositories).</summary>
internal sealed class RateLimitedPartSink(IPartSink inner, BandwidthLimiter limiter) : IPartSink
{
    private const int Slice = 64 * 1024;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        while (!data.IsEmpty)
        {
            var slice = data[..Math.Min(Slice, data.Length)];
            await limiter.WaitAsync(slice.Length, ct).ConfigureAwait(false);
            await inner.WriteAsync(slice, ct).ConfigureAwait(false);
            data = data[slice.Length..];
        }
    }

    public Task<StoredPartResult> CompleteAsync(CancellationToken ct) => inner.CompleteAsync(ct);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
