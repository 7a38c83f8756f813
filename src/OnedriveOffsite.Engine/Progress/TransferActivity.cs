namespace OnedriveOffsite.Engine.Progress;

/// <summary>
/// What the code moving one part's bytes tells that part's progress: the step it is in, a throttled wait, a retry.
/// Called from any thread; implementations keep the latest state and report it (see <see cref="TransferProgress"/>).
/// </summary>
public interface ITransferStatus
{
    /// <summary>The part is now doing <paramref name="step"/> ("uploading"); disposing returns to the step before.</summary>
    IDisposable Doing(string step);

    /// <summary>Waiting for OneDrive's Retry-After (throttled), <paramref name="remaining"/> left; zero: the wait is over.</summary>
    void Waiting(TimeSpan remaining);

    /// <summary>Attempt <paramref name="attempt"/> of <paramref name="maxAttempts"/> comes next, after <paramref name="delay"/> (null: at once or after a throttled wait).</summary>
    void Retrying(int attempt, int maxAttempts, TimeSpan? delay);
}

/// <summary>
/// The <see cref="ITransferStatus"/> of the part the current async flow works on. The repository's HTTP layer (retries,
/// the Retry-After gate, upload sinks) reports through it without every repository method carrying a progress
/// parameter; outside a part (listings, manifests) there is none and nothing is reported.
/// </summary>
public static class TransferActivity
{
    private static readonly AsyncLocal<ITransferStatus?> CurrentStatus = new();

    public static ITransferStatus? Current => CurrentStatus.Value;

    /// <summary>Makes <paramref name="status"/> current for this async flow until the result is disposed.</summary>
    public static IDisposable Enter(ITransferStatus status)
    {
        var previous = CurrentStatus.Value;
        CurrentStatus.Value = status;
        return new Scope(() => CurrentStatus.Value = previous);
    }

    /// <summary>Sets the current part's step for the duration (no-op outside a part).</summary>
    public static IDisposable Doing(string step) => Current?.Doing(step) ?? Scope.None;

    internal sealed class Scope(Action onDispose) : IDisposable
    {
        public static readonly IDisposable None = new Scope(() => { });
        private Action? _onDispose = onDispose;
        public void Dispose() => Interlocked.Exchange(ref _onDispose, null)?.Invoke();
    }
}
