using System.Diagnostics;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Dedup;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Streams;
using Xunit;

namespace OnedriveOffsite.Tests.Dedup;

/// <summary>
/// A format 2 backup of a command's output reads the pipe with blocking reads on its own thread (one system call per
/// read instead of a hand-over through the thread pool). A blocked read cannot be cancelled, so stopping the run must
/// stop the command, which ends the read: a stop while the command writes nothing must still end the run at once.
/// </summary>
public sealed class DedupCommandStopTests : IDisposable
{
    private readonly DedupFixture _f = new();

    [Fact]
    public async Task Stopping_a_format_2_command_backup_while_the_command_writes_nothing_ends_the_run_and_the_command_at_once()
    {
        using var stop = new CancellationTokenSource();
        CommandSource? source = null;
        // A command that writes nothing for a minute: the reader is blocked in a read of its empty pipe.
        var request = new StreamBackupRequest("set1", "silent.bin");
        var run = new DedupBackupOperation(_f.Repository, _f.Engine.Key, DedupFixture.PackSize, DedupFixture.Average)
            .RunStreamAsync(request, () => source = CommandSource.Start(["sleep", "60"], null, NullObserver.Instance), "command",
                NullObserver.Instance, stop.Token);
        var deadline = Stopwatch.StartNew();
        while (source is null && deadline.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(50);
        Assert.NotNull(source);
        var pid = source.ProcessId;
        await Task.Delay(500); // the reader is now waiting for output

        var stopped = Stopwatch.StartNew();
        stop.Cancel();
        var failure = await Record.ExceptionAsync(() => run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.IsAssignableFrom<OperationCanceledException>(failure);
        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(10), $"the run took {stopped.Elapsed} to end after the stop");
        Assert.True(await EndedAsync(pid), $"the command (process {pid}) still runs after the backup was stopped");
        Assert.False(Directory.Exists(_f.SetDir())
            && Directory.GetFiles(_f.SetDir(), "manifest.oom", SearchOption.AllDirectories).Length > 0, "a snapshot was completed");
    }

    /// <summary>Whether process <paramref name="pid"/> is gone (or has exited) within a few seconds.</summary>
    private static async Task<bool> EndedAsync(int pid)
    {
        for (var i = 0; i < 50; i++)
        {
            try
            {
                using var p = Process.GetProcessById(pid);
                if (p.HasExited) return true;
            }
            catch (ArgumentException) { return true; } // no such process any more
            await Task.Delay(100);
        }
        return false;
    }

    public void Dispose() => _f.Dispose();
}
