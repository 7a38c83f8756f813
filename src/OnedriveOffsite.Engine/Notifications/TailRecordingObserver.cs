using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Engine.Notifications;

/// <summary>
/// Wraps the run's observer and remembers the last verbose and warning lines, so a failure mail can show what
/// happened just before the error (the old service mailed the last 30 lines of its log file; we have no log
/// file, the verbose narrative is the equivalent). Thread-safe, bounded memory.
/// </summary>
public sealed class TailRecordingObserver : IOperationObserver
{
    public const int DefaultCapacity = 30;
    private readonly IOperationObserver _inner;
    private readonly Queue<string> _lines = new();
    private readonly int _capacity;

    public TailRecordingObserver(IOperationObserver inner, int capacity = DefaultCapacity)
    {
        _inner = inner;
        _capacity = Math.Max(1, capacity);
    }

    public void Verbose(string message)
    {
        Remember("VERBOSE: " + message);
        _inner.Verbose(message);
    }

    public void Warning(string message)
    {
        Remember("WARNING: " + message);
        _inner.Warning(message);
    }

    public void Progress(OperationProgress progress) => _inner.Progress(progress);

    /// <summary>The remembered lines, oldest first, each prefixed with its time (UTC) and kind.</summary>
    public IReadOnlyList<string> Tail()
    {
        lock (_lines) return _lines.ToArray();
    }

    private void Remember(string line)
    {
        var stamped = DateTime.UtcNow.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " " + line;
        lock (_lines)
        {
            _lines.Enqueue(stamped);
            while (_lines.Count > _capacity) _lines.Dequeue();
        }
    }
}
