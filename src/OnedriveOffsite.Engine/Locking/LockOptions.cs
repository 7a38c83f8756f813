namespace OnedriveOffsite.Engine.Locking;

/// <summary>How a lock is taken and kept (docs/FORMAT.md "Locks" documents the defaults).</summary>
public sealed record LockOptions
{
    /// <summary>A lock not refreshed for this long is stale: its holder is presumed dead and the lock is broken.</summary>
    public static readonly TimeSpan DefaultStaleAfter = TimeSpan.FromMinutes(30);

    /// <summary>How often a live holder rewrites its lock (well inside <see cref="DefaultStaleAfter"/>).</summary>
    public static readonly TimeSpan DefaultRefreshInterval = TimeSpan.FromMinutes(5);

    /// <summary>Wait (polling) for a held lock instead of failing with SetLocked at once.</summary>
    public bool Wait { get; init; }

    public TimeSpan StaleAfter { get; init; } = DefaultStaleAfter;
    public TimeSpan RefreshInterval { get; init; } = DefaultRefreshInterval;

    /// <summary>First pause while waiting; it doubles up to <see cref="MaxPollInterval"/>.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);
    /// <summary>At most one look at the lock every 15 s while waiting (cheap locally, 8 requests a minute on OneDrive).</summary>
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromSeconds(15);

    public TimeProvider Clock { get; init; } = TimeProvider.System;
    public string Host { get; init; } = Environment.MachineName;
    public int ProcessId { get; init; } = Environment.ProcessId;

    /// <summary>Whether a process of this host still runs (replaceable in tests).</summary>
    public Func<int, DateTime, bool> IsProcessRunning { get; init; } = ProcessLiveness.IsRunning;
}
