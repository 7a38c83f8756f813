namespace OnedriveOffsite.Engine.Streams;

/// <summary>
/// A stream a script already holds (Start-OffsiteBackup -InputStream). Read to its end; the caller owns it, so it is
/// neither closed nor disposed here, and <see cref="Abort"/> only stops reading.
/// </summary>
public sealed class StreamSource : IByteSource
{
    private readonly Stream _stream;

    public StreamSource(Stream stream)
    {
        if (!stream.CanRead)
            throw new Errors.OffsiteException("StreamNotReadable", Errors.OffsiteErrorCategory.InvalidArgument,
                "The input stream cannot be read.");
        _stream = stream;
    }

    public string Description => "the input stream";
    public string? Program => null;

    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct) => _stream.ReadAsync(buffer, ct);

    public Task CompleteAsync(CancellationToken ct) => Task.CompletedTask;

    public void Abort() { }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>A stream a script holds (Restore-OffsiteBackup -OutputStream); flushed at the end, never closed here.</summary>
public sealed class StreamSink : IByteSink
{
    private readonly Stream _stream;

    public StreamSink(Stream stream)
    {
        if (!stream.CanWrite)
            throw new Errors.OffsiteException("StreamNotWritable", Errors.OffsiteErrorCategory.InvalidArgument,
                "The output stream cannot be written.");
        _stream = stream;
    }

    public string Description => "the output stream";

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct) => _stream.WriteAsync(data, ct);

    public Task CompleteAsync(CancellationToken ct) => _stream.FlushAsync(ct);

    public void Abort() { }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
