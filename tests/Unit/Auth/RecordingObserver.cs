using System.Collections.Concurrent;
using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Tests.Auth;

/// <summary>Records everything the engine tells the user; answers prompts with <see cref="Answer"/> (the user pasting).</summary>
internal sealed class RecordingObserver : IInteractiveObserver
{
    public readonly ConcurrentQueue<string> Messages = new();
    public readonly ConcurrentQueue<string> InformationMessages = new();

    public Func<string, Task<string?>> Answer { get; set; } = _ => Task.FromResult<string?>(null);

    /// <summary>The last text shown by Information (sign-in instructions).</summary>
    public string LastInformation => InformationMessages.LastOrDefault() ?? "";

    public void Verbose(string message) => Messages.Enqueue("VERBOSE: " + message);
    public void Warning(string message) => Messages.Enqueue("WARNING: " + message);
    public void Progress(OperationProgress progress) => Messages.Enqueue("PROGRESS: " + progress.Activity + " " + progress.Status);

    public void Information(string message)
    {
        InformationMessages.Enqueue(message);
        Messages.Enqueue("INFO: " + message);
    }

    public Task<string?> ReadLineAsync(string prompt, CancellationToken cancellationToken)
    {
        Messages.Enqueue("PROMPT: " + prompt);
        return Answer(LastInformation);
    }

    /// <summary>The first URL in the last instructions (what the user would open).</summary>
    public Uri LastUrl()
    {
        var text = LastInformation;
        var start = text.IndexOf("https://", StringComparison.Ordinal);
        var end = text.IndexOfAny(new[] { ' ', '\r', '\n' }, start);
        return new Uri(end < 0 ? text[start..] : text[start..end]);
    }
}
