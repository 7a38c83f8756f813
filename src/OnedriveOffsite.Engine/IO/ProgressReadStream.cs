namespace OnedriveOffsite.Engine.IO;

/// <summary>
/// Read-only pass-through that counts the archive bytes consumed (for progress and for checking the archive
/// was read to its listed size) and honours cancellation on every read, since SharpZipLib reads synchronously.
/// </summary>
internal sealed class ProgressReadStream : Stream
{
    private const long ReportEvery = 1 << 20;
    private readonly Stream _inner;
    private readonly CancellationToken _ct;
    private readonly Action<long> _report;
    private long _lastReported;

    public ProgressReadStream(Stream inner, CancellationToken ct, Action<long> report)
    {
        _inner = inner;
        _ct = ct;
        _report = report;
    }

    public long BytesRead { get; private set; }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        _ct.ThrowIfCancellationRequested();
        var n = _inner.Read(buffer);
        BytesRead += n;
        if (BytesRead - _lastReported >= ReportEvery || (n == 0 && BytesRead != _lastReported))
        {
            _lastReported = BytesRead;
            _report(BytesRead);
        }
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
