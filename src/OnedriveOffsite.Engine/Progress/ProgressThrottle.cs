namespace OnedriveOffsite.Engine.Progress;

/// <summary>
/// Bounds the progress records a run writes, whatever its parallelism: at most one update per
/// <see cref="Interval"/> (10 a second) over all activities together, each activity's latest state winning, taken
/// round-robin (the activity shown longest ago first) so a bar whose status changed is never starved by busy ones.
/// Completions always pass at once (each activity completes once). Engines report every byte count; this decides what
/// reaches the screen.
/// </summary>
public sealed class ProgressThrottle
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly TimeProvider _clock;
    private readonly object _gate = new();
    private readonly Dictionary<int, OperationProgress> _pending = new();
    private readonly Dictionary<int, long> _shownAt = new();
    private long? _lastShown;

    public ProgressThrottle(TimeProvider? clock = null) => _clock = clock ?? TimeProvider.System;

    /// <summary>Takes <paramref name="update"/>; returns what to write now (nothing, it, or an older activity's latest state).</summary>
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
            if (_lastShown is { } last && _clock.GetElapsedTime(last, now) < Interval) return [];
            OperationProgress? next = null;
            var nextShownAt = long.MaxValue;
            foreach (var (id, candidate) in _pending)
            {
                var shownAt = _shownAt.TryGetValue(id, out var t) ? t : long.MinValue;
                if (shownAt < nextShownAt || (shownAt == nextShownAt && id < next!.Id))
                {
                    next = candidate;
                    nextShownAt = shownAt;
                }
            }
            _pending.Remove(next!.Id);
            _shownAt[next.Id] = now;
            _lastShown = now;
            return [next];
        }
    }
}
