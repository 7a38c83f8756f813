using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Engine.Streams;

/// <summary>
/// A command the module runs itself through .NET's Process API: program and arguments as an array (no shell, so
/// nothing is re-parsed or expanded; works with .exe files on Windows), optional working directory, standard error
/// read line by line into -Verbose while it runs, the last lines kept for error messages. Stopping it kills its whole
/// process tree.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    public const int ErrorTailLines = 10;
    private static readonly TimeSpan StderrDrainTimeout = TimeSpan.FromSeconds(5);
    private readonly Process _process;
    private readonly Queue<string> _errorTail = new();
    private readonly Task _stderr;

    private ChildProcess(Process process, string program, IOperationObserver observer)
    {
        _process = process;
        Program = program;
        _stderr = Task.Run(async () =>
        {
            try
            {
                while (await process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
                {
                    observer.Verbose($"{program}: {line}");
                    lock (_errorTail)
                    {
                        _errorTail.Enqueue(line);
                        if (_errorTail.Count > ErrorTailLines) _errorTail.Dequeue();
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException) { /* killed */ }
        });
    }

    public string Program { get; }

    public Process Process => _process;

    /// <summary>Starts <paramref name="command"/> (program, then its arguments) with the given streams redirected.</summary>
    public static ChildProcess Start(IReadOnlyList<string> command, string? workingDirectory, bool writesOutput,
        IOperationObserver observer)
    {
        Validate(command, workingDirectory);
        var program = Path.GetFileName(command[0]);
        var info = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = writesOutput,
            RedirectStandardError = true,
            StandardErrorEncoding = Encoding.UTF8,
            CreateNoWindow = true,
        };
        foreach (var argument in command.Skip(1)) info.ArgumentList.Add(argument);
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new Win32Exception("no process was started");
        }
        catch (Win32Exception ex)
        {
            throw new OffsiteException("CommandNotStarted", OffsiteErrorCategory.ObjectNotFound,
                $"The command '{program}' could not be started: {ex.Message}. Give the program's name (found in PATH) or full path, " +
                    $"and its arguments as separate array elements.", program, ex);
        }
        observer.Verbose(
            $"Started '{program}' (process {process.Id}) with {command.Count - 1} " +
            $"argument(s){(workingDirectory is null ? "" : $" in '{workingDirectory}'")}.");
        return new ChildProcess(process, program, observer);
    }

    public static void Validate(IReadOnlyList<string>? command, string? workingDirectory)
    {
        if (command is null || command.Count == 0 || string.IsNullOrWhiteSpace(command[0]))
            throw new OffsiteException("CommandNotStarted", OffsiteErrorCategory.InvalidArgument,
                "The command is empty: give the program, then its arguments, as an array (e.g. pg_dump, -Fc, main).");
        if (command.Any(a => a is null || a.Contains('\0')))
            throw new OffsiteException("CommandNotStarted", OffsiteErrorCategory.InvalidArgument,
                "A command argument is null or contains a NUL character.");
        if (workingDirectory is not null && !Directory.Exists(workingDirectory))
            throw new OffsiteException("CommandNotStarted", OffsiteErrorCategory.ObjectNotFound,
                $"The working directory '{workingDirectory}' does not exist.", workingDirectory);
    }

    /// <summary>Waits for the command to exit and for its standard error to be read; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken ct)
    {
        await _process.WaitForExitAsync(ct).ConfigureAwait(false);
        // A grandchild that inherited standard error can keep it open after the command exits: do not wait forever.
        await Task.WhenAny(_stderr, Task.Delay(StderrDrainTimeout, ct)).ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <summary>The last lines the command wrote to standard error, indented for an error message.</summary>
    public string ErrorTail()
    {
        lock (_errorTail)
            return _errorTail.Count == 0 ? " It wrote nothing to standard error."
                : " The last lines of its standard error:" + string.Concat(_errorTail.Select(l => Environment.NewLine + "  " + l));
    }

    /// <summary>Kills the command and every process it started; nothing happens when it already exited.</summary>
    public void KillTree()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        // Called from cancellation callbacks: it must never throw (exited meanwhile, or already disposed).
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException or AggregateException
            or IOException) { }
    }

    public async ValueTask DisposeAsync()
    {
        KillTree();
        try { await Task.WhenAny(_stderr, Task.Delay(StderrDrainTimeout)).ConfigureAwait(false); } catch { /* ignore */ }
        _process.Dispose();
    }
}
