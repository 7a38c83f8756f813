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
/// <see cref="ParentId"/> 0). <see cref="Completed"/> closes the activity.
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
    public int PercentComplete => BytesTotal <= 0 ? (Completed ? 100 : 0) : (int)Math.Clamp(BytesDone * 100 / BytesTotal, 0, 100);

    public double BytesPerSecond => Elapsed.TotalSeconds <= 0 ? 0 : BytesDone / Elapsed.TotalSeconds;

    public TimeSpan? Remaining => BytesPerSecond <= 0 || BytesTotal <= 0 ? null
        : TimeSpan.FromSeconds(Math.Max(0, BytesTotal - BytesDone) / BytesPerSecond);
}

/// <summary>An observer that drops everything (tests, benchmarks).</summary>
public sealed class NullObserver : IOperationObserver
{
    public static readonly NullObserver Instance = new();
    public void Verbose(string message) { }
    public void Warning(string message) { }
    public void Progress(OperationProgress progress) { }
}
