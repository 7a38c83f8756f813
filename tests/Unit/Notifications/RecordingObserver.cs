using System.Collections.Concurrent;
using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Tests.Notifications;

/// <summary>Keeps everything an operation told the user, to assert on warnings and to search for leaked secrets.</summary>
public sealed class RecordingObserver : IOperationObserver
{
    public ConcurrentQueue<string> Verbose { get; } = new();
    public ConcurrentQueue<string> Warnings { get; } = new();

    void IOperationObserver.Verbose(string message) => Verbose.Enqueue(message);
    void IOperationObserver.Warning(string message) => Warnings.Enqueue(message);
    void IOperationObserver.Progress(OperationProgress progress) { }

    public string AllText => string.Join("\n", Verbose.Concat(Warnings));
}
