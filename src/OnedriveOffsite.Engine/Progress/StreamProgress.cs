using System.Diagnostics;

namespace OnedriveOffsite.Engine.Progress;

/// <summary>
/// Progress of a stream of unknown length: bytes so far and the rate, with no total, no percentage and no ETA
/// (<see cref="OperationProgress.BytesTotal"/> is -1). One activity (id 0); the status counts stored parts.
/// </summary>
public sealed class StreamProgress
{
    private readonly IOperationObserver _observer;
    private readonly string _activity;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly string _verb;
    private long _done;
    private int _parts;

    public StreamProgress(IOperationObserver observer, string activity, string verb)
    {
        _observer = observer;
        _activity = activity;
        _verb = verb;
    }

    public TimeSpan Elapsed => _clock.Elapsed;

    public long BytesDone => Interlocked.Read(ref _done);

    /// <summary><paramref name="bytes"/> more bytes went through (read from the source, or written to the destination).</summary>
    public void Add(long bytes)
    {
        var done = Interlocked.Add(ref _done, bytes);
        _observer.Progress(new OperationProgress(0, _activity, $"{_verb}, {Volatile.Read(ref _parts)} part(s) done:", done, -1, _clock.Elapsed));
    }

    public void PartStored(long plainLength, long storedLength) => Interlocked.Increment(ref _parts);

    public void Complete() => _observer.Progress(new OperationProgress(0, _activity, "", BytesDone, BytesDone, _clock.Elapsed, Completed: true));
}
