using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Engine.Streams;

/// <summary>
/// A command's standard input (Restore-OffsiteBackup -ToCommand). The command's standard output and error are not
/// captured for output: standard output goes where the caller's goes, standard error lines go to -Verbose.
/// It succeeded only when it took all the data and exited with code 0; otherwise <c>DestinationCommandFailed</c>.
/// </summary>
public sealed class CommandSink : IByteSink
{
    private static readonly TimeSpan ExitAfterBrokenPipe = TimeSpan.FromSeconds(30);
    private readonly ChildProcess _child;
    private readonly Stream _input;
    private long _written;

    private CommandSink(ChildProcess child)
    {
        _child = child;
        _input = child.Process.StandardInput.BaseStream;
    }

    public static CommandSink Start(IReadOnlyList<string> command, string? workingDirectory, IOperationObserver observer) =>
        new(ChildProcess.Start(command, workingDirectory, writesOutput: false, observer));

    public static void Validate(IReadOnlyList<string>? command, string? workingDirectory) =>
        ChildProcess.Validate(command, workingDirectory);

    public string Description => $"command '{_child.Program}'";

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        try
        {
            await _input.WriteAsync(data, ct).ConfigureAwait(false);
            _written += data.Length;
        }
        catch (IOException ex)
        {
            // The command closed its input (exited, or stopped reading): report how it ended.
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(ExitAfterBrokenPipe);
            int? code = null;
            try { code = await _child.WaitForExitAsync(wait.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { _child.KillTree(); }
            throw Failed(code, $"it stopped reading its input after {_written} bytes", ex);
        }
    }

    public async Task CompleteAsync(CancellationToken ct)
    {
        try
        {
            await _input.FlushAsync(ct).ConfigureAwait(false);
            _input.Close();
        }
        catch (IOException ex)
        {
            throw Failed(await _child.WaitForExitAsync(ct).ConfigureAwait(false), $"it stopped reading its input after {_written} bytes",
                ex);
        }
        var code = await _child.WaitForExitAsync(ct).ConfigureAwait(false);
        if (code != 0) throw Failed(code, $"it received all {_written} bytes", null);
    }

    public void Abort() => _child.KillTree();

    public ValueTask DisposeAsync() => _child.DisposeAsync();

    private OffsiteException Failed(int? code, string what, Exception? inner) =>
        new("DestinationCommandFailed", OffsiteErrorCategory.InvalidResult,
            $"The command '{_child.Program}' {(code is { } c ? $"exited with code {c}" : "did not exit")} ({what}); the restore did " +
                $"not complete.{_child.ErrorTail()}", _child.Program, inner);
}
