using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Engine.Streams;

/// <summary>
/// A command's standard output as raw bytes (Start-OffsiteBackup -FromCommand). Its standard input is closed at once
/// (it gets end-of-file, never the caller's terminal). It succeeded only when its output reached its end and it
/// exited with code 0; otherwise <c>SourceCommandFailed</c> with the exit code and its last lines of standard error.
/// </summary>
public sealed class CommandSource : IByteSource
{
    private readonly ChildProcess _child;
    private readonly Stream _output;
    private bool _ended;

    private CommandSource(ChildProcess child)
    {
        _child = child;
        _output = child.Process.StandardOutput.BaseStream;
        child.Process.StandardInput.Close();
    }

    /// <summary>Starts the command (program, then its arguments: no shell is involved).</summary>
    public static CommandSource Start(IReadOnlyList<string> command, string? workingDirectory, IOperationObserver observer) =>
        new(ChildProcess.Start(command, workingDirectory, writesOutput: true, observer));

    /// <summary>Checks the command line without starting anything (-WhatIf, and before any work).</summary>
    public static void Validate(IReadOnlyList<string>? command, string? workingDirectory) =>
        ChildProcess.Validate(command, workingDirectory);

    /// <summary>The command's process id (for tests: a stopped run must not leave it running).</summary>
    internal int ProcessId => _child.Process.Id;

    public string Description => $"command '{_child.Program}'";
    public string? Program => _child.Program;

    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct)
    {
        var n = await _output.ReadAsync(buffer, ct).ConfigureAwait(false);
        if (n == 0) _ended = true;
        return n;
    }

    public int Read(Memory<byte> buffer, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var n = _output.Read(buffer.Span);
        if (n == 0) _ended = true;
        return n;
    }

    public async Task CompleteAsync(CancellationToken ct)
    {
        var code = await _child.WaitForExitAsync(ct).ConfigureAwait(false);
        if (code != 0 || !_ended)
            throw new OffsiteException("SourceCommandFailed", OffsiteErrorCategory.InvalidResult,
                $"The command '{_child.Program}' exited with code {code}; its output is not a complete backup, so no snapshot was " +
                    $"completed.{_child.ErrorTail()}", _child.Program);
    }

    public void Abort() => _child.KillTree();

    public ValueTask DisposeAsync() => _child.DisposeAsync();
}
