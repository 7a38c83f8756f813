using System.Collections.Concurrent;
using System.Globalization;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Progress;

/// <summary>
/// Progress of a run with parallel parts: one parent activity (id 0) for the whole run and, when there is more than one
/// part, a child per part (id 1 + part index) named like its file (part-00000.oop, the name -Verbose uses too). Each
/// part's status says what it is doing (its step, "uploading", "waiting for OneDrive (throttled, N s)", "retrying
/// (attempt k of n)"); the parent says when the run waits for OneDrive, so it never freezes silently. ETAs come from
/// <see cref="TransferRate"/>. The observer throttles what reaches the screen (<see cref="ProgressThrottle"/>).
/// </summary>
public sealed class TransferProgress
{
    private readonly IOperationObserver _observer;
    private readonly string _activity;
    private readonly ActivityText? _names;
    private readonly long _total;
    private readonly PartStatus[] _parts;
    private readonly TransferRate _rate;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<int, long> _waitingUntil = new(); // part index → timestamp its throttled wait ends
    private long _done;
    private int _completed;
    private int _active;
    private string? _finalStep;

    public TransferProgress(IOperationObserver observer, ActivityText activity, IReadOnlyList<long> partLengths, TimeProvider? clock = null)
        : this(observer, activity.ToString(), partLengths, clock) => _names = activity;

    public TransferProgress(IOperationObserver observer, string activity, IReadOnlyList<long> partLengths, TimeProvider? clock = null)
    {
        _observer = observer;
        _activity = activity;
        _clock = clock ?? TimeProvider.System;
        _rate = new TransferRate(_clock);
        _parts = partLengths.Select((length, index) => new PartStatus(this, index, length)).ToArray();
        _total = partLengths.Sum();
    }

    public TimeSpan Elapsed => _rate.Elapsed;

    public long BytesDone => Interlocked.Read(ref _done);

    /// <summary>The status of part <paramref name="part"/>, to make current (<see cref="TransferActivity.Enter"/>) while working on it.</summary>
    public ITransferStatus Part(int part) => _parts[part];

    /// <summary><paramref name="bytes"/> more of part <paramref name="part"/> went through while it was doing <paramref name="step"/>.</summary>
    public void Add(int part, long bytes, string step)
    {
        var p = _parts[part];
        p.Moved(bytes, step);
        Interlocked.Add(ref _done, bytes);
        _rate.Add(bytes);
        Report(p);
    }

    /// <summary>A part stored by an interrupted run and reused: counted as done, not as moved (it says nothing of the rate).</summary>
    public void Reused(int part)
    {
        var p = _parts[part];
        var left = p.Total - p.Done;
        p.Moved(left, "already stored");
        Interlocked.Add(ref _done, left);
        CompletePart(part);
    }

    /// <summary>Forgets a part's progress (its bytes are about to be processed again by a retry).</summary>
    public void ResetPart(int part)
    {
        Interlocked.Add(ref _done, -_parts[part].Reset());
    }

    public void CompletePart(int part)
    {
        var p = _parts[part];
        if (!p.Complete()) return;
        _waitingUntil.TryRemove(part, out _);
        Interlocked.Increment(ref _completed);
        if (_parts.Length > 1)
            _observer.Progress(new OperationProgress(1 + part, p.Name, "done", p.Total, p.Total, Elapsed, ParentId: 0, Completed: true));
        ReportTop();
    }

    /// <summary>What the run does once every part is through (e.g. "checking the SHA-256"), shown on the parent.</summary>
    public void Finishing(string step)
    {
        _finalStep = step;
        ReportTop();
    }

    public void Complete() => _observer.Progress(new OperationProgress(0, _activity, "done", _total, _total, Elapsed, Completed: true)
    {
        BytesPerSecond = _rate.BytesPerSecond,
        Names = _names,
    });

    private void Report(PartStatus p)
    {
        if (_parts.Length > 1 && !p.IsComplete) // a late report (a wait ending) must not reopen a finished part's bar
        {
            var (status, waiting) = p.Describe(_clock.GetTimestamp());
            var sharers = Math.Max(1, Volatile.Read(ref _active));
            _observer.Progress(new OperationProgress(1 + p.Index, p.Name, status, p.Done, p.Total, Elapsed, ParentId: 0)
            {
                BytesPerSecond = _rate.BytesPerSecond / sharers,
                Remaining = waiting ? null : _rate.Remaining(p.Total - p.Done, sharers),
            });
        }
        ReportTop();
    }

    private void ReportTop()
    {
        var now = _clock.GetTimestamp();
        var wait = TimeSpan.Zero;
        foreach (var until in _waitingUntil.Values)
        {
            var left = _clock.GetElapsedTime(now, until);
            if (left > wait) wait = left;
        }
        var waiting = wait > TimeSpan.Zero;
        string status;
        if (waiting) status = ThrottledText(wait);
        else if (_parts.Length == 1) status = _parts[0].Describe(now).Status;
        else if (_finalStep is { } final && Volatile.Read(ref _completed) == _parts.Length) status = final;
        else status = string.Create(CultureInfo.InvariantCulture, $"{Volatile.Read(ref _completed)} of {_parts.Length} parts done");
        if (_parts.Length == 1 && _finalStep is { } only && _parts[0].IsComplete) status = only;
        _observer.Progress(new OperationProgress(0, _activity, status, BytesDone, _total, Elapsed)
        {
            BytesPerSecond = _rate.BytesPerSecond,
            Remaining = waiting ? null : _rate.Remaining(_total - BytesDone),
            Names = _names,
        });
    }

    /// <summary>The status of a throttled wait, rounded up to whole seconds (never "0 s" while still waiting).</summary>
    public static string ThrottledText(TimeSpan remaining) =>
        string.Create(CultureInfo.InvariantCulture, $"waiting for OneDrive (throttled, {Math.Max(1, (long)Math.Ceiling(remaining.TotalSeconds))} s)");

    /// <summary>One part's state. Its methods may be called from the part's pipeline threads and its HTTP layer at once.</summary>
    private sealed class PartStatus : ITransferStatus
    {
        private readonly TransferProgress _owner;
        private readonly object _gate = new();
        private string _step = "starting";
        private string? _doing;
        private (int Attempt, int Max)? _retry;
        private long _backoffUntil;
        private long _done;
        private bool _started;
        private bool _complete;

        public PartStatus(TransferProgress owner, int index, long total)
        {
            _owner = owner;
            Index = index;
            Total = total;
            Name = SnapshotFiles.PartName(index);
        }

        public int Index { get; }
        public long Total { get; }
        public string Name { get; }
        public long Done { get { lock (_gate) return _done; } }
        public bool IsComplete { get { lock (_gate) return _complete; } }

        public void Moved(long bytes, string step)
        {
            lock (_gate)
            {
                Start();
                _done += bytes;
                _step = step;
                _retry = null; // bytes moved: the retried request went through
                _backoffUntil = 0;
            }
        }

        public long Reset()
        {
            lock (_gate)
            {
                var done = _done;
                _done = 0;
                return done;
            }
        }

        public bool Complete()
        {
            lock (_gate)
            {
                if (_complete) return false;
                if (_started) Interlocked.Decrement(ref _owner._active);
                _complete = true;
                _done = Total;
                return true;
            }
        }

        public IDisposable Doing(string step)
        {
            string? previous;
            lock (_gate)
            {
                Start();
                previous = _doing;
                _doing = step;
            }
            _owner.Report(this);
            return new TransferActivity.Scope(() =>
            {
                lock (_gate) _doing = previous;
            });
        }

        public void Waiting(TimeSpan remaining)
        {
            if (remaining > TimeSpan.Zero)
                _owner._waitingUntil[Index] = _owner._clock.GetTimestamp() + (long)(remaining.TotalSeconds * _owner._clock.TimestampFrequency);
            else
                _owner._waitingUntil.TryRemove(Index, out _);
            _owner.Report(this);
        }

        public void Retrying(int attempt, int maxAttempts, TimeSpan? delay)
        {
            lock (_gate)
            {
                _retry = (attempt, maxAttempts);
                _backoffUntil = delay is { } d ? _owner._clock.GetTimestamp() + (long)(d.TotalSeconds * _owner._clock.TimestampFrequency) : 0;
            }
            _owner.Report(this);
        }

        /// <summary>The status text at <paramref name="now"/>, and whether the part is in a throttled wait.</summary>
        public (string Status, bool Waiting) Describe(long now)
        {
            var waitLeft = _owner._waitingUntil.TryGetValue(Index, out var until) ? _owner._clock.GetElapsedTime(now, until) : TimeSpan.Zero;
            lock (_gate)
            {
                if (_complete) return ("done", false);
                var retry = _retry is { } r ? string.Create(CultureInfo.InvariantCulture, $"retrying (attempt {r.Attempt} of {r.Max})") : null;
                if (waitLeft > TimeSpan.Zero)
                    return (ThrottledText(waitLeft) + (retry is null ? "" : ", then " + retry), true);
                var backoff = _backoffUntil == 0 ? TimeSpan.Zero : _owner._clock.GetElapsedTime(now, _backoffUntil);
                if (retry is not null && backoff > TimeSpan.Zero)
                    return (string.Create(CultureInfo.InvariantCulture, $"{retry} in {Math.Max(1, (long)Math.Ceiling(backoff.TotalSeconds))} s"), false);
                var step = _doing ?? _step;
                return (retry is null ? step : $"{retry}, {step}", false);
            }
        }

        private void Start()
        {
            if (_started) return;
            _started = true;
            Interlocked.Increment(ref _owner._active);
        }
    }
}
