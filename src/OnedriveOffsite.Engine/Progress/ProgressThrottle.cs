namespace OnedriveOffsite.Engine.Progress;

/// <summary>
/// Bounds the progress records a run writes, whatever its parallelism: on average at most <see cref="PerSecond"/>
/// over all activities together (a token bucket; after a quiet spell, such as a throttled wait, up to
/// <see cref="Burst"/> at once so every bar catches up), each activity's latest state winning, taken round-robin (the
/// activity shown longest ago first) so a bar whose status changed is never starved by busy ones. Completions always
/// pass at once (each activity completes once). Engines report every byte count; this decides what reaches the screen.
/// </summary>
public sealed class ProgressThrottle
{
    public const int PerSecond = 10;
    public const int Burst = 5;

    private readonly TimeProvider _clock;
    private readonly object _gate = new();
    private readonly Dictionary<int, OperationProgress> _pending = new();
    private readonly Dictionary<int, long> _shownAt = new();
    private double _tokens = Burst;
    private long _refilledAt;

    public ProgressThrottle(TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        _refilledAt = _clock.GetTimestamp();
    }

    /// <summary>Takes <paramref name="update"/>; returns what to write now, oldest-shown activity first (possibly nothing).</summary>
    public IReadOnlyList<OperationProgress> Offer(OperationProgress update)
    {
        lock (_gate)
        {
            if (update.Completed)
            {
                _pending.Remove(update.Id);
                _shownAt.Remove(update.Id);
                return [update];
            }
            _pending[update.Id] = update;
            var now = _clock.GetTimestamp();
            _tokens = Math.Min(Burst, _tokens + _clock.GetElapsedTime(_refilledAt, now).TotalSeconds * PerSecond);
            _refilledAt = now;
            List<OperationProgress>? shown = null;
            while (_tokens >= 1 && _pending.Count > 0)
            {
                var next = _pending.Values
                    .OrderBy(p => _shownAt.TryGetValue(p.Id, out var t) ? t : long.MinValue)
                    .ThenBy(p => p.Id)
                    .First();
                _pending.Remove(next.Id);
                _shownAt[next.Id] = now;
                _tokens -= 1;
                (shown ??= []).Add(next);
            }
            return shown ?? (IReadOnlyList<OperationProgress>)[];
        }
    }
}
