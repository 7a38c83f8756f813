using System.Collections.Concurrent;
using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Tests.Progress;

/// <summary>Keeps every progress update, with the latest per activity.</summary>
internal sealed class ProgressLog : IOperationObserver
{
    public ConcurrentQueue<OperationProgress> All { get; } = new();

    public void Verbose(string message) { }
    public void Warning(string message) { }
    public void Progress(OperationProgress progress) => All.Enqueue(progress);

    public OperationProgress Last(int id) => All.Last(p => p.Id == id);
}
