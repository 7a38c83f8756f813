using System.Diagnostics;
using System.Globalization;

namespace OnedriveOffsite.Engine.Progress;

/// <summary>
/// Progress of a stream of unknown length: bytes so far and the rate, with no total, no percentage and no ETA
/// (<see cref="OperationProgress.BytesTotal"/> is -1). One activity (id 0); the status counts stored parts and, made
/// current for the run (<see cref="TransferActivity.Enter"/>), says when OneDrive throttles it and when a request is
/// retried.
/// </summary>
public sealed class StreamProgress : ITransferStatus
{
    private readonly IOperationObserver _observer;
    private readonly string _activity;
    private readonly ActivityText? _names;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly string _verb;
    private long _done;
    private int _parts;
    private long _waitingUntil; // Stopwatch timestamp; 0: not waiting
    private string? _retry;

    public StreamProgress(IOperationObserver observer, ActivityText activity, string verb)
        : this(observer, activity.ToString(), verb) => _names = activity;

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
        Interlocked.Add(ref _done, bytes);
        Report();
    }

    public void PartStored(long plainLength, long storedLength)
    {
        Interlocked.Increment(ref _parts);
        Volatile.Write(ref _retry, null); // a part went through
    }

    public IDisposable Doing(string step) => TransferActivity.Scope.None; // the stream's own verb says what it does

    public void Waiting(TimeSpan remaining)
    {
        Interlocked.Exchange(ref _waitingUntil, remaining > TimeSpan.Zero ? Stopwatch.GetTimestamp() + (long)(remaining.TotalSeconds * Stopwatch.Frequency) : 0);
        Report();
    }

    public void Retrying(int attempt, int maxAttempts, TimeSpan? delay)
    {
        Volatile.Write(ref _retry, string.Create(CultureInfo.InvariantCulture, $"retrying (attempt {attempt} of {maxAttempts})"));
        Report();
    }

    public void Complete() => _observer.Progress(new OperationProgress(0, _activity, "", BytesDone, BytesDone, _clock.Elapsed, Completed: true) { Names = _names });

    private void Report()
    {
        var until = Interlocked.Read(ref _waitingUntil);
        var left = until == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until);
        var retry = Volatile.Read(ref _retry);
        var counted = string.Create(CultureInfo.InvariantCulture, $"{_verb}, {Volatile.Read(ref _parts)} part(s) done");
        var status = left > TimeSpan.Zero ? TransferProgress.ThrottledText(left) + (retry is null ? "" : ", then " + retry)
            : retry is null ? counted : $"{retry}, {counted}";
        _observer.Progress(new OperationProgress(0, _activity, status, BytesDone, -1, _clock.Elapsed) { Names = _names });
    }
}
