using System.Diagnostics;

namespace OnedriveOffsite.Engine.Locking;

/// <summary>
/// Whether the process that took a lock on THIS host still runs: the process id exists, is not a zombie, and
/// started no later than the lock (otherwise the id was reused by another process).
/// </summary>
public static class ProcessLiveness
{
    public static bool IsRunning(int processId, DateTime lockStartedUtc)
    {
        if (processId == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(processId);
            if (process.HasExited || IsZombie(processId)) return false;
            // Start times come from different clocks' rounding: allow a few seconds.
            return process.StartTime.ToUniversalTime() <= lockStartedUtc.AddSeconds(5);
        }
        catch (ArgumentException) { return false; } // no such process
        catch (InvalidOperationException) { return false; } // exited meanwhile
        catch (System.ComponentModel.Win32Exception) { return true; } // exists but not ours to inspect: assume alive
    }

    private static bool IsZombie(int processId)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            // /proc/<pid>/stat: "pid (comm) S ..." — the state letter follows the last ')'.
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            var close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] == 'Z';
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
