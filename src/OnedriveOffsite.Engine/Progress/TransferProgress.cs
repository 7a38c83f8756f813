using System.Diagnostics;

namespace OnedriveOffsite.Engine.Progress;

/// <summary>
/// Byte counts of a run with parallel parts: one parent activity (id 0) for the whole run and a child per part
/// (id 1 + part index), reported to the observer, which throttles what reaches the screen.
/// </summary>
public sealed class TransferProgress
{
    private readonly IOperationObserver _observer;
    private readonly string _activity;
    private readonly long _total;
    private readonly long[] _partDone;
    private readonly long[] _partTotal;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _done;

    public TransferProgress(IOperationObserver observer, string activity, IReadOnlyList<long> partLengths)
    {
        _observer = observer;
        _activity = activity;
        _partTotal = partLengths.ToArray();
        _partDone = new long[_partTotal.Length];
        _total = _partTotal.Sum();
    }

    public TimeSpan Elapsed => _clock.Elapsed;

    public long BytesDone => Interlocked.Read(ref _done);

    public void Add(int part, long bytes, string partStatus)
    {
        var partDone = Interlocked.Add(ref _partDone[part], bytes);
        var done = Interlocked.Add(ref _done, bytes);
        var elapsed = _clock.Elapsed;
        _observer.Progress(new OperationProgress(0, _activity, "", done, _total, elapsed));
        if (_partTotal.Length > 1)
            _observer.Progress(new OperationProgress(1 + part, $"Part {part + 1} of {_partTotal.Length}", partStatus, partDone, _partTotal[part], elapsed, ParentId: 0));
    }

    /// <summary>Forgets a part's progress (its bytes are about to be processed again by a retry).</summary>
    public void ResetPart(int part)
    {
        var partDone = Interlocked.Exchange(ref _partDone[part], 0);
        Interlocked.Add(ref _done, -partDone);
    }

    public void CompletePart(int part)
    {
        if (_partTotal.Length > 1)
            _observer.Progress(new OperationProgress(1 + part, $"Part {part + 1} of {_partTotal.Length}", "", _partTotal[part], _partTotal[part], _clock.Elapsed, ParentId: 0, Completed: true));
    }

    public void Complete() => _observer.Progress(new OperationProgress(0, _activity, "", _total, _total, _clock.Elapsed, Completed: true));
}
