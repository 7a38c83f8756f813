using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Locking;

/// <summary>
/// A held lock on one set (or, with a null scope, on the whole repository) — one run per set at a time. Taken with
/// <see cref="AcquireAsync"/>: created atomically in the repository, refreshed in the background every
/// <see cref="LockOptions.RefreshInterval"/>, released on dispose. A lock another run holds makes acquisition fail
/// with SetLocked naming the holder (or wait, with <see cref="LockOptions.Wait"/>); a stale one (not refreshed for
/// <see cref="LockOptions.StaleAfter"/>, or taken by a process of this host that no longer runs) is broken.
/// If the lock is lost while held (broken by another run after a long outage), <see cref="Lost"/> is cancelled and
/// <see cref="EnsureHeldAsync"/> throws LockLost: work that must not overlap checks it before its final step.
/// </summary>
public sealed class RepositoryLock : IAsyncDisposable
{
    private readonly ISnapshotRepository _repository;
    private readonly string? _scope;
    private readonly LockOptions _options;
    private readonly IOperationObserver _observer;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[] _bytes;
    private Task? _refresher;

    private RepositoryLock(ISnapshotRepository repository, string? scope, LockRecord record, LockOptions options,
        IOperationObserver observer)
    {
        _repository = repository;
        _scope = scope;
        Record = record;
        _bytes = record.ToBytes();
        _options = options;
        _observer = observer;
    }

    public LockRecord Record { get; private set; }

    /// <summary>Cancelled when the lock was found to belong to someone else (or to be gone) while held.</summary>
    public CancellationToken Lost => _lost.Token;

    public static async Task<RepositoryLock> AcquireAsync(ISnapshotRepository repository, string? scope, string operation,
        LockOptions options, IOperationObserver observer, CancellationToken ct)
    {
        var poll = options.PollInterval;
        var started = options.Clock.GetUtcNow().UtcDateTime;
        var runId = Guid.NewGuid().ToString("N");
        var announced = false;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var now = options.Clock.GetUtcNow().UtcDateTime;
            var mine = new RepositoryLock(repository, scope, new LockRecord
            {
                RunId = runId, Host = options.Host, ProcessId = options.ProcessId, Operation = operation, StartedUtc = started,
                    RefreshedUtc = now,
            }, options, observer);
            if (await repository.TryCreateLockAsync(scope, mine._bytes, ct).ConfigureAwait(false))
            {
                mine._refresher = mine.RefreshLoopAsync();
                observer.Verbose($"Locked {What(scope)} in {repository.Description} for this {operation}.");
                return mine;
            }
            var existing = await repository.ReadLockAsync(scope, ct).ConfigureAwait(false);
            if (existing is null) continue; // released in between: try again at once
            var holder = LockRecord.TryParse(existing);
            if (holder is not null && holder.RunId == runId)
            {
                // Our own creation whose answer was lost (OneDrive retried a request that had succeeded).
                mine._bytes = existing;
                mine.Record = holder;
                mine._refresher = mine.RefreshLoopAsync();
                return mine;
            }
            if (holder is not null && StaleReason(holder, now, options) is { } stale)
            {
                observer.Warning($"Breaking the stale lock of {What(scope)} in {repository.Description} ({holder.Describe}): {stale}.");
                await repository.DeleteLockAsync(scope, existing, ct).ConfigureAwait(false);
                continue;
            }
            if (!options.Wait) throw Locked(repository, scope, holder);
            if (!announced)
            {
                observer.Warning(
                    $"Waiting for the lock of {What(scope)} in {repository.Description}, held by " +
                    $"{holder?.Describe ?? "an unreadable lock file"}.");
                announced = true;
            }
            await Task.Delay(poll, options.Clock, ct).ConfigureAwait(false);
            poll = TimeSpan.FromTicks(Math.Min(options.MaxPollInterval.Ticks, poll.Ticks * 2));
        }
    }

    /// <summary>Why <paramref name="holder"/> no longer holds its lock, or null when it may still be working.</summary>
    public static string? StaleReason(LockRecord holder, DateTime nowUtc, LockOptions options)
    {
        if (nowUtc - holder.RefreshedUtc > options.StaleAfter)
            return $"not refreshed for {(nowUtc - holder.RefreshedUtc).TotalMinutes:0} minutes (stale after " +
                $"{options.StaleAfter.TotalMinutes:0})";
        if (string.Equals(holder.Host, options.Host, StringComparison.OrdinalIgnoreCase)
            && !options.IsProcessRunning(holder.ProcessId, holder.StartedUtc))
            return $"process {holder.ProcessId} no longer runs on this host";
        return null;
    }

    /// <summary>Throws LockLost unless the repository still holds exactly this lock.</summary>
    public async Task EnsureHeldAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var current = await _repository.ReadLockAsync(_scope, ct).ConfigureAwait(false);
            if (current is null || !current.AsSpan().SequenceEqual(_bytes)) throw LostError(current);
        }
        finally { _gate.Release(); }
    }

    /// <summary>The LockLost failure (for callers that were cancelled through <see cref="Lost"/>).</summary>
    public OffsiteException LostError(byte[]? current = null)
    {
        var other = current is null ? null : LockRecord.TryParse(current);
        return new OffsiteException("LockLost", OffsiteErrorCategory.ResourceUnavailable,
            $"This run lost the lock of {What(_scope)} in {_repository.Description} " +
            (other is null ? "(it is gone)" : $"(now held by {other.Describe})") +
            $": it could not refresh it for more than {_options.StaleAfter.TotalMinutes:0} minutes, so another run took over. Nothing " +
                $"was marked complete; run it again.",
            _scope ?? _repository.Description);
    }

    private async Task RefreshLoopAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(_options.RefreshInterval, _options.Clock, _stop.Token).ConfigureAwait(false);
                await _gate.WaitAsync(_stop.Token).ConfigureAwait(false);
                try
                {
                    var next = Record with { RefreshedUtc = _options.Clock.GetUtcNow().UtcDateTime };
                    var bytes = next.ToBytes();
                    if (await _repository.ReplaceLockAsync(_scope, _bytes, bytes, _stop.Token).ConfigureAwait(false))
                    {
                        _bytes = bytes;
                        Record = next;
                    }
                    else
                    {
                        _observer.Warning(
                            $"The lock of {What(_scope)} in {_repository.Description} was taken over by another run: stopping.");
                        await _lost.CancelAsync().ConfigureAwait(false);
                        return;
                    }
                }
                catch (OffsiteException e)
                {
                    // A network outage: keep trying; EnsureHeldAsync decides before anything final happens.
                    _observer.Verbose(
                        $"Could not refresh the lock of {What(_scope)} ({e.ErrorId}); trying again in " +
                        $"{_options.RefreshInterval.TotalMinutes:0.#} minutes.");
                }
                finally { _gate.Release(); }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_refresher is not null) await _refresher.ConfigureAwait(false);
        try
        {
            if (!_lost.IsCancellationRequested)
                await _repository.DeleteLockAsync(_scope, _bytes, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OffsiteException or IOException)
        {
            _observer.Warning(
                $"Could not release the lock of {What(_scope)} in {_repository.Description} ({e.Message}); it expires " +
                $"{_options.StaleAfter.TotalMinutes:0} minutes after its last refresh.");
        }
        _stop.Dispose();
        _lost.Dispose();
    }

    private static string What(string? scope) => scope is null ? "the repository" : $"set '{scope}'";

    private static OffsiteException Locked(ISnapshotRepository repository, string? scope, LockRecord? holder) => new(
        scope is null ? "RepositoryLocked" : "SetLocked", OffsiteErrorCategory.ResourceUnavailable,
        $"{(scope is null ? "The repository" : $"Set '{scope}'")} in {repository.Description} is in use: " +
        (holder is null
            ? $"its lock file ({SnapshotFiles.LockName}) cannot be read. If no run uses it, delete that file."
            : $"{holder.Describe}. Add -Wait to wait for it; a lock not refreshed for {LockOptions.DefaultStaleAfter.TotalMinutes:0} " +
                $"minutes (or whose process no longer runs on this host) is removed automatically."),
        scope ?? repository.Description);
}
