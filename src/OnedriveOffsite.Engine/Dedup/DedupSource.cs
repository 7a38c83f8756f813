using Microsoft.Win32.SafeHandles;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Streams;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// Where a format 2 backup's bytes come from: a file (known length, may be checked for changes afterwards) or a stream
/// (a command's output, read once, its end checked with the producer). <see cref="DedupBackupOperation"/> does the
/// rest the same way for both.
/// </summary>
internal abstract class DedupSource : IAsyncDisposable
{
    /// <summary>The name a restore into a directory gives the data.</summary>
    public abstract string Name { get; }

    /// <summary>Recorded in the manifest: the file's full path, "" for a stream.</summary>
    public abstract string Path { get; }

    /// <summary>"command" or "stream" for streams (as format 1 records them), null for a file.</summary>
    public virtual string? Kind => null;

    public virtual string? Program => null;

    /// <summary>Said in -Verbose: what is being backed up.</summary>
    public abstract string Description { get; }

    /// <summary>Whether the data starts like an already compressed format (Auto then stores it as is).</summary>
    public abstract bool LooksCompressed { get; }

    public abstract SourceChunkStream ChunkStream(GearChunker chunker, BoundedPool<ChunkBatch> batches);

    /// <summary>Progress of reading: a file has a total, a stream only a count.</summary>
    public abstract DedupReadProgress Progress(IOperationObserver observer, string set);

    /// <summary>After every byte was read and stored: proves the source ended well, and returns its time to record.</summary>
    public abstract Task<DateTime> FinishAsync(CancellationToken ct);

    /// <summary>Stops the producer at once (a failure, Ctrl+C).</summary>
    public virtual void Abort() { }

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>A file, read with positioned reads; a change of its size or time during the run fails it.</summary>
internal sealed class FileDedupSource(FileInfo file) : DedupSource
{
    private readonly SafeFileHandle _handle = File.OpenHandle(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read);
    private readonly DateTime _lastWrite = file.LastWriteTimeUtc;
    private long? _length;

    /// <summary>The length when the run began (what it reads, and what the file must still have at the end).</summary>
    public long Length => _length ??= RandomAccess.GetLength(_handle);
    public override string Name => file.Name;
    public override string Path => file.FullName;
    public override string Description => $"'{file.FullName}' ({Length} bytes)";
    public override bool LooksCompressed => CodecChooser.FileLooksCompressed(_handle);

    public override SourceChunkStream ChunkStream(GearChunker chunker, BoundedPool<ChunkBatch> batches) =>
        new(_handle, Length, chunker, batches);

    public override DedupReadProgress Progress(IOperationObserver observer, string set) =>
        new(new TransferProgress(observer, ActivityText.Backup(file.Name, set), new[] { Length }));

    public override Task<DateTime> FinishAsync(CancellationToken ct)
    {
        file.Refresh();
        if (!file.Exists || file.Length != Length || file.LastWriteTimeUtc != _lastWrite)
            throw new OffsiteException(ErrorIds.Backup.SourceChanged, OffsiteErrorCategory.InvalidOperation,
                $"'{file.FullName}' changed while it was being backed up; no snapshot was made. Back it up again once nothing " +
                    "writes to it.", file.FullName);
        return Task.FromResult(_lastWrite);
    }

    public override ValueTask DisposeAsync()
    {
        _handle.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A command's output or a script's stream: read once; its producer must end well before the manifest.</summary>
internal sealed class StreamDedupSource(IByteSource source, string name, string kind) : DedupSource
{
    public override string Name => name;
    public override string Path => "";
    public override string? Kind => kind;
    public override string? Program => source.Program;
    public override string Description => $"{source.Description} as '{name}'";
    public override bool LooksCompressed => false; // unknown before reading: Auto tries each batch

    public override SourceChunkStream ChunkStream(GearChunker chunker, BoundedPool<ChunkBatch> batches) => new(source, chunker, batches);

    public override DedupReadProgress Progress(IOperationObserver observer, string set) =>
        new(new StreamProgress(observer, ActivityText.Backup(name, set), "read"));

    public override async Task<DateTime> FinishAsync(CancellationToken ct)
    {
        await source.CompleteAsync(ct).ConfigureAwait(false);
        return DateTime.UtcNow;
    }

    public override void Abort() => source.Abort();

    public override ValueTask DisposeAsync() => source.DisposeAsync();
}

/// <summary>One progress shape for both sources: a file's per-part progress, or a stream's running count.</summary>
internal sealed class DedupReadProgress
{
    private readonly TransferProgress? _file;
    private readonly StreamProgress? _stream;

    public DedupReadProgress(TransferProgress file) => _file = file;

    public DedupReadProgress(StreamProgress stream) => _stream = stream;

    public ITransferStatus Status => _file?.Part(0) ?? (ITransferStatus)_stream!;

    public TimeSpan Elapsed => _file?.Elapsed ?? _stream!.Elapsed;

    public void Add(long bytes, string step)
    {
        if (_file is not null) _file.Add(0, bytes, step);
        else _stream!.Add(bytes);
    }

    public void Complete()
    {
        if (_file is not null) _file.Complete();
        else _stream!.Complete();
    }
}
