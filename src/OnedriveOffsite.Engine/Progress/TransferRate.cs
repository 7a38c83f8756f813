namespace OnedriveOffsite.Engine.Progress;

/// <summary>
/// The overall rate of a run and the ETAs derived from it. No ETA during a short warm-up (the first seconds of a run
/// say nothing about its rate) and none before bytes have moved. Parts running in parallel share the overall rate, so
/// a part's ETA is its remaining bytes at its share of that rate: a per-part rate measured from the run's start would
/// claim minutes for a part that started late and ends in seconds.
/// </summary>
public sealed class TransferRate
{
    /// <summary>How long a run moves bytes before it shows an ETA.</summary>
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    private readonly TimeProvider _clock;
    private readonly long _start;
    private long _moved;

    public TransferRate(TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        _start = _clock.GetTimestamp();
    }

    public TimeSpan Elapsed => _clock.GetElapsedTime(_start);

    /// <summary>Bytes this run actually moved (parts reused from an interrupted run are not counted).</summary>
    public long Moved => Interlocked.Read(ref _moved);

    public void Add(long bytes) => Interlocked.Add(ref _moved, bytes);

    /// <summary>Bytes per second over the whole run so far (0 before anything moved).</summary>
    public double BytesPerSecond => Elapsed.TotalSeconds <= 0 ? 0 : Moved / Elapsed.TotalSeconds;

    /// <summary>
    /// Time to move <paramref name="bytesLeft"/> at 1/<paramref name="sharers"/> of the overall rate; null during the
    /// warm-up or while nothing has moved.
    /// </summary>
    public TimeSpan? Remaining(long bytesLeft, int sharers = 1)
    {
        var elapsed = Elapsed;
        var moved = Moved;
        if (elapsed < WarmUp || moved <= 0) return null;
        var rate = moved / elapsed.TotalSeconds / Math.Max(1, sharers);
        return TimeSpan.FromSeconds(Math.Min(Math.Max(0, bytesLeft) / rate, TimeSpan.MaxValue.TotalSeconds / 2));
    }
}
