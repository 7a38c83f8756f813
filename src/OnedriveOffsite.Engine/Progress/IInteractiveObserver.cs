namespace OnedriveOffsite.Engine.Progress;

/// <summary>
/// An observer that can also talk with the user: sign-in instructions (device code, the URL to open) and
/// reading a pasted line. Like every observer call, the cmdlet layer performs these on the pipeline thread.
/// </summary>
public interface IInteractiveObserver : IOperationObserver
{
    /// <summary>A message the user must see (shown like Write-Host; information stream). Never a secret.</summary>
    void Information(string message);

    /// <summary>Shows <paramref name="prompt"/> and reads one line; null when the session cannot prompt.</summary>
    Task<string?> ReadLineAsync(string prompt, CancellationToken cancellationToken);
}
