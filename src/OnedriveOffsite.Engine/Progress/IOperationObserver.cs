namespace OnedriveOffsite.Engine.Progress;

/// <summary>
/// How engine operations talk to the user while they run. Called from any thread; the cmdlet layer queues
/// the calls and writes them on the pipeline thread. Nothing passed here may contain a secret.
/// </summary>
public interface IOperationObserver
{
    void Verbose(string message);
    void Warning(string message);
    void Progress(OperationProgress progress);
}

/// <summary>
/// One progress update. <see cref="Id"/> identifies the activity (0 = the whole run; parts use 1 + index with
/// <see cref="ParentId"/> 0). <see cref="Completed"/> closes the activity. <see cref="Status"/> says what the activity
/// is doing now (the engine's words; the cmdlet layer adds sizes, rate and ETA).
/// </summary>
public sealed record OperationProgress(
    int Id,
    string Activity,
    string Status,
    long BytesDone,
    long BytesTotal,
    TimeSpan Elapsed,
    int ParentId = -1,
    bool Completed = false)
{
    private readonly double? _bytesPerSecond;

    public int PercentComplete => BytesTotal <= 0 ? (Completed ? 100 : 0) : (int)Math.Clamp(BytesDone * 100 / BytesTotal, 0, 100);

    /// <summary>The rate to show: set by the reporter (a run's overall rate), else this activity's bytes over its elapsed time.</summary>
    public double BytesPerSecond
    {
        get => _bytesPerSecond ?? (Elapsed.TotalSeconds <= 0 ? 0 : BytesDone / Elapsed.TotalSeconds);
        init => _bytesPerSecond = value;
    }

    /// <summary>The ETA, when the reporter has a sound one (see <see cref="TransferRate"/>); null shows none.</summary>
    public TimeSpan? Remaining { get; init; }

    /// <summary>What <see cref="Activity"/> is made of, so a view can fit it to its width (<see cref="ActivityText.Fit"/>).</summary>
    public ActivityText? Names { get; init; }
}

/// <summary>An observer that drops everything (tests, benchmarks).</summary>
public sealed class NullObserver : IOperationObserver
{
    public static readonly NullObserver Instance = new();
    public void Verbose(string message) { }
    public void Warning(string message) { }
    public void Progress(OperationProgress progress) { }
}
