using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Repositories.Local;

/// <summary>
/// Writes one stored file of a local repository under a unique temporary name, created exclusively; on completion
/// it takes its final name only if that name is free (a stored file is never replaced).
/// </summary>
internal sealed class LocalFileSink : IPartSink
{
    private readonly string _final;
    private readonly string _temp;
    private readonly FileStream _stream;
    private bool _completed;

    public LocalFileSink(string finalPath)
    {
        _final = finalPath;
        _temp = ExclusiveFile.TempNameFor(finalPath);
        _stream = new FileStream(_temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct) => _stream.WriteAsync(data, ct);

    public async Task<StoredPartResult> CompleteAsync(CancellationToken ct)
    {
        await _stream.FlushAsync(ct).ConfigureAwait(false);
        _stream.Flush(flushToDisk: true);
        var length = _stream.Length;
        await _stream.DisposeAsync().ConfigureAwait(false);
        if (!ExclusiveFile.TryMoveInto(_temp, _final))
            throw new OffsiteException(ErrorIds.OneDrive.StoredFileExists, OffsiteErrorCategory.ResourceExists,
                $"'{_final}' already exists; a snapshot never replaces a stored file.", _final);
        _completed = true;
        return new StoredPartResult(length, null);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        if (!_completed && File.Exists(_temp)) File.Delete(_temp);
    }
}
