using System.Net;
using System.Net.Http.Headers;
using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Engine.Repositories.OneDrive;

/// <summary>
/// The HTTP retry layer's one policy (docs/ARCHITECTURE.md, "Retries"): every OneDrive request follows it: which
/// answers and failures are worth another attempt, the shared Retry-After gate, bounded exponential backoff with
/// jitter, and when attempts are used up. Verbose lines name the operation, never a URL; the part being transferred
/// (<see cref="TransferActivity.Current"/>) shows "retrying (attempt k of n)".
/// </summary>
internal sealed class GraphRetry
{
    private readonly OneDriveOptions _options;

    public GraphRetry(OneDriveOptions options, IOperationObserver observer)
    {
        _options = options;
        Observer = observer;
        Gate = new ThrottlingGate(new ThrottledWaitProgress(observer), options.Clock);
    }

    public ThrottlingGate Gate { get; }
    public IOperationObserver Observer { get; }
    public int MaxAttempts => _options.MaxAttempts;
    public TimeSpan StallTimeout => _options.StallTimeout;

    /// <summary>429, 503 (throttling) and 500/502/504 (transient server trouble).</summary>
    public static bool IsTransient(HttpStatusCode status) => (int)status is 429 or 500 or 502 or 503 or 504;

    /// <summary>Whether an answer with <paramref name="status"/> after attempt number <paramref name="attempt"/> is retried.</summary>
    public bool ShouldRetry(HttpStatusCode status, int attempt) => IsTransient(status) && attempt < MaxAttempts;

    /// <summary>True for failures of the connection itself (reset, refused, timeout), not of the caller's cancellation.</summary>
    public static bool IsConnectionFailure(Exception e, CancellationToken ct) =>
        !ct.IsCancellationRequested && e is HttpRequestException or IOException or TaskCanceledException or TimeoutException;

    public static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date - DateTimeOffset.UtcNow is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero;
        return null;
    }

    /// <summary>
    /// After failed attempt number <paramref name="attempt"/> (1-based): throws OneDriveUnavailable when the
    /// attempts are used up, else arms the shared gate (Retry-After) or sleeps a backoff pause.
    /// </summary>
    public async Task PauseAsync(int attempt, string what, string reason, TimeSpan? retryAfter, CancellationToken ct,
        Exception? inner = null)
    {
        // A certificate that is not trusted now will not be trusted in a minute: say so at once.
        if (IO.TlsFailure.Find(inner) is { } tls) throw GraphErrors.Tls(what, tls, inner!);
        if (attempt >= _options.MaxAttempts) throw GraphErrors.Unavailable(what, reason, inner);
        if (retryAfter > _options.MaxRetryAfter)
            throw GraphErrors.Unavailable(what,
                $"{reason} asking to wait {retryAfter.Value.TotalSeconds:0} s (Retry-After), longer than the " +
                $"{_options.MaxRetryAfter.TotalSeconds:0} s this tool waits", inner);
        if (retryAfter is { } ra)
        {
            Gate.Defer(ra);
            TransferActivity.Current?.Retrying(attempt + 1, _options.MaxAttempts, null); // the wait itself is shown by the gate
            Observer.Verbose(
                $"{reason} from OneDrive while {what}, waiting {ra.TotalSeconds:0.###} s (Retry-After); attempt {attempt + 1} of " +
                $"{_options.MaxAttempts} next.");
            return; // the next request waits at the gate, like every other worker's
        }
        var delay = Backoff(attempt);
        Observer.Verbose(
            $"{reason} from OneDrive while {what}, retrying in {delay.TotalSeconds:0.###} s (attempt {attempt + 1} of " +
            $"{_options.MaxAttempts}).");
        await CountDownAsync(attempt + 1, delay, ct).ConfigureAwait(false);
    }

    /// <summary>Sleeps a backoff pause, telling the current part the seconds left about once a second (pauses reach a minute).</summary>
    private async Task CountDownAsync(int nextAttempt, TimeSpan delay, CancellationToken ct)
    {
        if (TransferActivity.Current is not { } status)
        {
            await Task.Delay(delay, _options.Clock, ct).ConfigureAwait(false);
            return;
        }
        var clock = _options.Clock;
        var start = clock.GetTimestamp();
        for (var left = delay; left > TimeSpan.Zero; left = delay - clock.GetElapsedTime(start))
        {
            status.Retrying(nextAttempt, _options.MaxAttempts, left);
            // Task.Delay may wake a little early (and rounds below 1 ms to none): the extra millisecond avoids spinning.
            await Task.Delay((left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1)) + TimeSpan.FromMilliseconds(1), clock,
                ct).ConfigureAwait(false);
        }
    }

    /// <summary>Exponential backoff with "equal jitter": half the nominal pause fixed, half random.</summary>
    public TimeSpan Backoff(int attempt)
    {
        var nominal = Math.Min(_options.MaxBackoff.TotalMilliseconds, _options.InitialBackoff.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(nominal / 2 + Random.Shared.NextDouble() * nominal / 2);
    }

    /// <summary>Reason text for a transfer aborted by its <see cref="StallWatchdog"/>.</summary>
    public string DescribeStall() => $"no bytes moved for {_options.StallTimeout.TotalSeconds:0.###} s";

    /// <summary>Reason text for a status, for messages ("429", "503", "connection reset").</summary>
    public static string Describe(HttpResponseMessage response) => ((int)response.StatusCode)
        .ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string Describe(Exception e) => e switch
    {
        TaskCanceledException or TimeoutException => "request timed out",
        _ => "connection failed (" + e.GetType().Name + ")",
    };

    public static void SetUserAgent(HttpRequestHeaders headers) => headers.TryAddWithoutValidation("User-Agent", ToolInfo.UserAgent);
}
