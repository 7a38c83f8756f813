using System.Net;
using System.Net.Http.Headers;
using OnedriveOffsite.Engine.Auth;

namespace OnedriveOffsite.Engine.Repositories.OneDrive;

/// <summary>
/// The HTTP pipeline under GraphServiceClient: adds the bearer token and User-Agent, waits at the shared
/// Retry-After gate, retries throttling/5xx/broken connections with backoff, and answers a 401 with ONE forced
/// token refresh. Written by hand instead of Kiota's retry handler because that one keeps Retry-After per
/// request, not shared across the parallel workers, and knows nothing of our token source.
/// Only ever used for Graph API requests: pre-authenticated URLs go through a client without this handler.
/// </summary>
internal sealed class GraphRequestHandler : DelegatingHandler
{
    private readonly IAccessTokenSource _tokens;
    private readonly GraphRetry _retry;
    private readonly Uri _graphEndpoint;

    public GraphRequestHandler(IAccessTokenSource tokens, GraphRetry retry, HttpMessageHandler inner, Uri graphEndpoint) : base(inner)
    {
        _graphEndpoint = graphEndpoint;
        _tokens = tokens;
        _retry = retry;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        // Graph API bodies are small JSON: buffer once so every attempt can send them again.
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        var what = $"{request.Method} {request.RequestUri?.AbsolutePath}";
        // Backstop for any link the SDK is handed: the bearer token only ever goes to the configured Graph host.
        if (!IsGraphHost(_graphEndpoint, request.RequestUri?.AbsoluteUri))
            throw GraphErrors.RequestFailed(what, 0, "the request leads to another host than the configured Graph endpoint; not sent");
        var refreshed = false;
        for (var attempt = 1; ; attempt++)
        {
            await _retry.Gate.WaitAsync(ct).ConfigureAwait(false);
            var token = await _tokens.GetAccessTokenAsync(false, ct).ConfigureAwait(false);
            var message = Copy(request, body);
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(message, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (GraphRetry.IsConnectionFailure(e, ct))
            {
                message.Dispose();
                await _retry.PauseAsync(attempt, what, GraphRetry.Describe(e), null, ct, e).ConfigureAwait(false);
                continue;
            }
            if (response.StatusCode == HttpStatusCode.Unauthorized && !refreshed)
            {
                refreshed = true;
                response.Dispose();
                _retry.Observer.Verbose($"401 from Graph while {what}: refreshing the access token once.");
                await _tokens.GetAccessTokenAsync(true, ct).ConfigureAwait(false);
                attempt--; // the refresh is not a failed attempt
                continue;
            }
            if (_retry.ShouldRetry(response.StatusCode, attempt))
            {
                var retryAfter = GraphRetry.RetryAfter(response);
                var reason = GraphRetry.Describe(response);
                response.Dispose();
                await _retry.PauseAsync(attempt, what, reason, retryAfter, ct).ConfigureAwait(false);
                continue;
            }
            return response; // success, or an error the caller (the SDK) turns into an ODataError
        }
    }

    /// <summary>Same scheme, host and port as the configured Graph endpoint.</summary>
    internal static bool IsGraphHost(Uri graphEndpoint, string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && string.Equals(uri.Scheme, graphEndpoint.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(uri.IdnHost, graphEndpoint.IdnHost, StringComparison.OrdinalIgnoreCase)
        && uri.Port == graphEndpoint.Port;

    private static HttpRequestMessage Copy(HttpRequestMessage request, byte[]? body)
    {
        var copy =
            new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version, VersionPolicy = request.VersionPolicy };
        foreach (var header in request.Headers)
        {
            if (!string.Equals(header.Key, "Authorization", StringComparison.OrdinalIgnoreCase)
                && !string.Equals(header.Key, "User-Agent", StringComparison.OrdinalIgnoreCase))
                copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
        GraphRetry.SetUserAgent(copy.Headers);
        if (body is not null)
        {
            copy.Content = new ByteArrayContent(body);
            foreach (var header in request.Content!.Headers)
            {
                if (!string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
                    copy.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }
        return copy;
    }
}
