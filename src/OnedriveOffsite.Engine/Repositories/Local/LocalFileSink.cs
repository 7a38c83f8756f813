namespace OnedriveOffsite.Engine.Repositories.Local;

/// <summary>Writes one stored file of a local repository under a temporary name; renamed on completion.</summary>
internal sealed class LocalFileSink : IPartSink
{
    private readonly string _final;
    private readonly string _temp;
    private readonly FileStream _stream;
    private bool _completed;

    public LocalFileSink(string finalPath, string partialSuffix)
    {
        _final = finalPath;
        _temp = finalPath + partialSuffix;
        _stream = new FileStream(_temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct) => _stream.WriteAsync(data, ct);

    public async Task<StoredPartResult> CompleteAsync(CancellationToken ct)
    {
        await _stream.FlushAsync(ct).ConfigureAwait(false);
        _stream.Flush(flushToDisk: true);
        var length = _stream.Length;
        await _stream.DisposeAsync().ConfigureAwait(false);
        File.Move(_temp, _final, overwrite: true);
        _completed = true;
        return new StoredPartResult(length, null);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        if (!_completed && File.Exists(_temp)) File.Delete(_temp);
    }
}
