namespace OnedriveOffsite.Engine.Streams;

/// <summary>
/// A forward-only source of bytes whose length is unknown until it ends: a command's standard output or a stream a
/// script holds. Independent of how a backup cuts or stores what it reads.
/// </summary>
public interface IByteSource : IAsyncDisposable
{
    /// <summary>Names the source in messages ("command 'pg_dump'"); never contains arguments (they may hold secrets).</summary>
    string Description { get; }

    /// <summary>The program's file name for a command, else null.</summary>
    string? Program { get; }

    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes; 0 at the end of the data.</summary>
    ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct);

    /// <summary>
    /// As <see cref="ReadAsync"/>, blocking the calling thread: for a reader on a thread of its own, where a blocking
    /// read of a pipe costs one system call instead of a hand-over through the thread pool per read (a pipe gives at
    /// most 64 KiB at a time). <see cref="Abort"/> ends a read that waits.
    /// </summary>
    int Read(Memory<byte> buffer, CancellationToken ct) => ReadAsync(buffer, ct).AsTask().GetAwaiter().GetResult();

    /// <summary>After the end of the data: waits for the producer to finish and throws when it failed.</summary>
    Task CompleteAsync(CancellationToken ct);

    /// <summary>Stops the producer now (Ctrl+C, a failed upload): a command is killed with its whole process tree.</summary>
    void Abort();
}

/// <summary>A forward-only receiver of restored bytes: a command's standard input or a stream a script holds.</summary>
public interface IByteSink : IAsyncDisposable
{
    string Description { get; }

    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct);

    /// <summary>Ends the data normally: a command's input is closed and its exit code checked.</summary>
    Task CompleteAsync(CancellationToken ct);

    /// <summary>
    /// Ends the data abnormally, so that the receiver cannot take it for complete: a command is killed with its whole
    /// process tree (its input never reaches a normal end).
    /// </summary>
    void Abort();
}
