using System.Net.Http.Headers;
using System.Text;
using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Engine.Notifications;

/// <summary>Which moment of a run a health-check ping reports.</summary>
public enum HealthCheckSignal
{
    Start,
    Success,
    Failure,
}

/// <summary>
/// Pings a dead man's switch (healthchecks.io and compatible: Uptime Kuma push, Cronitor) so that a night on which
/// the host never ran the job is noticed too: <c>&lt;url&gt;/start</c> when a run begins, <c>&lt;url&gt;</c> when it
/// succeeds, <c>&lt;url&gt;/fail</c> when it fails, each a POST whose body is a short plain-text summary (which
/// healthchecks.io shows in its log). Like the mail, a ping that fails only warns; it never changes the outcome.
/// The URL is a secret of sorts (anyone holding it can report success), so messages name only its host.
/// </summary>
public sealed class HealthCheckPinger
{
    /// <summary>Upper bound for one ping: a monitoring service that hangs must not hold a nightly job.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>healthchecks.io keeps the first 100 kB of a body; a summary never needs more than this.</summary>
    private const int MaxBodyChars = 10_000;

    private static readonly HttpClient Client = new() { Timeout = System.Threading.Timeout.InfiniteTimeSpan };

    private readonly Uri _url;

    public HealthCheckPinger(Uri url) => _url = url;

    /// <summary>The address a signal goes to: the URL itself for success, with /start or /fail appended otherwise.</summary>
    public static Uri AddressFor(Uri url, HealthCheckSignal signal)
    {
        if (signal == HealthCheckSignal.Success) return url;
        var builder = new UriBuilder(url);
        builder.Path = builder.Path.TrimEnd('/') + (signal == HealthCheckSignal.Start ? "/start" : "/fail");
        return builder.Uri;
    }

    /// <summary>Sends one ping; returns whether the service accepted it (2xx). Never throws.</summary>
    public async Task<bool> TryPingAsync(HealthCheckSignal signal, string summary, IOperationObserver observer, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Timeout);
            using var request = new HttpRequestMessage(HttpMethod.Post, AddressFor(_url, signal))
            {
                Content = new StringContent(summary.Length > MaxBodyChars ? summary[..MaxBodyChars] : summary, Encoding.UTF8, "text/plain"),
            };
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("OnedriveOffsite", ToolInfo.Version));
            using var response = await Client.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                observer.Verbose($"Health check ping '{signal}' sent to {_url.Host}.");
                return true;
            }
            observer.Warning($"The health check ping '{signal}' to {_url.Host} was refused: HTTP {(int)response.StatusCode}.");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            var reason = ex is OperationCanceledException ? $"no answer within {Timeout.TotalSeconds:0} s" : ex.GetType().Name;
            observer.Warning($"The health check ping '{signal}' to {_url.Host} could not be sent ({reason}).");
        }
        return false;
    }

    /// <summary>The plain-text body of a success or failure ping.</summary>
    public static string Summarize(OperationReport report) => report.Succeeded
        ? $"{report.Kind} of {report.SetName} succeeded on {report.Host}" +
          (report.SnapshotId is null ? "" : $": snapshot {report.SnapshotId}") +
          (report.SourceSize is { } size ? $", {size} bytes" : "") +
          (report.Duration is { } d ? $" in {d.TotalSeconds:0} s" : "") + "."
        : $"{report.Kind} of {report.SetName} FAILED on {report.Host}: {report.ErrorId}: {report.ErrorMessage}";
}
