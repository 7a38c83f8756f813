using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using OnedriveOffsite.Engine.IO;

namespace OnedriveOffsite.Engine.Repositories.OneDrive;

/// <summary>What OneDrive reported for a finished upload.</summary>
internal sealed record CompletedUpload(string Id, long Size, string? QuickXorHash);

/// <summary>
/// One OneDrive upload session: fragments PUT in order to the pre-authenticated uploadUrl (never with an
/// Authorization header; the URL itself is a secret and is never logged). Hand-written rather than the SDK's
/// LargeFileUploadTask, which wants a seekable stream of the whole file (a temp copy) and has no 416 recovery.
/// Recovery rules (docs/ONEDRIVE.md): a fragment whose answer was lost may have been stored in full or in part, so
/// after 5xx, a broken connection or 416 the session's status (GET uploadUrl → nextExpectedRanges) decides where
/// to resume, possibly mid-fragment; 404 means the session is gone.
/// </summary>
internal sealed class UploadSessionClient
{
    private readonly HttpClient _http;
    private readonly GraphRetry _retry;
    private readonly Uri _url;
    private readonly string _what;
    private readonly Func<CancellationToken, Task<DriveItemInfo?>> _findCommitted;
    private readonly BandwidthLimiter? _limiter;
    private bool _finalByteSent;

    public UploadSessionClient(HttpClient http, GraphRetry retry, Uri uploadUrl, long total, string what,
        Func<CancellationToken, Task<DriveItemInfo?>> findCommitted, BandwidthLimiter? limiter = null)
    {
        _limiter = limiter;
        _http = http;
        _retry = retry;
        _url = uploadUrl;
        Total = total;
        _what = what;
        _findCommitted = findCommitted;
    }

    public long Total { get; }
    public long NextExpected { get; private set; }
    public CompletedUpload? Completed { get; private set; }

    /// <summary>
    /// Sends bytes [<paramref name="start"/>, start + data.Length) of the file, resuming wherever the server says it
    /// is, and returns the offset of the first byte it did not take (Total once complete). Every PUT but the one
    /// ending the file must be a multiple of 320 KiB; after a partially stored fragment the resume offset is not
    /// aligned, so fewer than 320 KiB may be left over: the caller keeps those and sends them with the next bytes.
    /// </summary>
    public async Task<long> SendAsync(ReadOnlyMemory<byte> data, long start, CancellationToken ct)
    {
        var end = start + data.Length;
        var attempt = 0;
        while (Completed is null && NextExpected < end)
        {
            // Bytes before this buffer were acknowledged and are gone from memory: a session asking for them again
            // cannot be continued, so the part is stored again (fresh salt).
            if (NextExpected < start) throw GraphErrors.SessionLost(_what);
            var offset = NextExpected;
            var available = end - offset;
            var length = end == Total ? available : available - available % OneDriveOptions.FragmentUnit;
            if (length == 0) break;
            var slice = data.Slice((int)(offset - start), (int)length);
            var sliceEnd = offset + length;
            await _retry.Gate.WaitAsync(ct).ConfigureAwait(false);
            // The watchdog covers the whole exchange: sending the body and waiting for the answer.
            using var watchdog = new StallWatchdog(_retry.StallTimeout, ct);
            using var request = new HttpRequestMessage(HttpMethod.Put, _url) { Content = new PacedContent(slice, watchdog, _limiter) };
            request.Content.Headers.ContentRange = new ContentRangeHeaderValue(offset, sliceEnd - 1, Total);
            GraphRetry.SetUserAgent(request.Headers);
            if (sliceEnd == Total) _finalByteSent = true;
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, watchdog.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (GraphRetry.IsConnectionFailure(e, ct) || (e is OperationCanceledException && watchdog.Stalled))
            {
                var reason = watchdog.Stalled ? _retry.DescribeStall() : GraphRetry.Describe(e);
                await _retry.PauseAsync(++attempt, _what, reason, null, ct, e).ConfigureAwait(false);
                await RefreshStatusAsync(ct).ConfigureAwait(false);
                continue;
            }
            using (response)
            {
                var status = (int)response.StatusCode;
                if (status == 202)
                {
                    var before = NextExpected;
                    var next = ParseNextExpected(await ReadJsonAsync(response, ct).ConfigureAwait(false)) ?? sliceEnd;
                    if (next > sliceEnd || next > Total)
                        throw GraphErrors.RequestFailed(_what, 202, "the session claims bytes that were never sent");
                    NextExpected = next;
                    if (NextExpected > before)
                    {
                        attempt = 0; // progress: the attempt budget is per stall, not per file
                        continue;
                    }
                    // Accepted without taking anything: bounded retries with backoff, like any other failure.
                    await _retry.PauseAsync(++attempt, _what, "202 without progress", null, ct).ConfigureAwait(false);
                    continue;
                }
                if (status is 200 or 201)
                {
                    Completed = ParseItem(await ReadJsonAsync(response, ct).ConfigureAwait(false));
                    NextExpected = Total;
                    return NextExpected;
                }
                if (status == 416)
                {
                    // Our view of the offset is behind or ahead of the server's (an earlier answer was lost).
                    if (++attempt >= _retry.MaxAttempts) throw GraphErrors.Unavailable(_what, "416 invalidRange repeatedly");
                    _retry.Observer.Verbose($"416 from OneDrive while {_what}: asking the session where to resume.");
                    await RefreshStatusAsync(ct).ConfigureAwait(false);
                    continue;
                }
                if (status == 404) { await OnSessionGoneAsync(ct).ConfigureAwait(false); continue; }
                if (GraphRetry.IsTransient(response.StatusCode))
                {
                    // The fragment may have been stored (lost acknowledgement, partial store): ask before resending.
                    await _retry.PauseAsync(++attempt, _what, GraphRetry.Describe(response), GraphRetry.RetryAfter(response), ct)
                        .ConfigureAwait(false);
                    await RefreshStatusAsync(ct).ConfigureAwait(false);
                    continue;
                }
                throw Fatal(response);
            }
        }
        return Completed is null ? NextExpected : Total;
    }

    /// <summary>Best effort: tells OneDrive to drop an abandoned session (it would expire by itself anyway).</summary>
    public async Task CancelAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _retry.Gate.WaitAsync(timeout.Token).ConfigureAwait(false);
            using var request = new HttpRequestMessage(HttpMethod.Delete, _url);
            GraphRetry.SetUserAgent(request.Headers);
            using var _ = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException) { }
    }

    /// <summary>GET uploadUrl: where the server wants the next byte (retrying throttling and 5xx itself).</summary>
    private async Task RefreshStatusAsync(CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await _retry.Gate.WaitAsync(ct).ConfigureAwait(false);
            using var request = new HttpRequestMessage(HttpMethod.Get, _url);
            GraphRetry.SetUserAgent(request.Headers);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (GraphRetry.IsConnectionFailure(e, ct))
            {
                await _retry.PauseAsync(attempt, _what + " (status)", GraphRetry.Describe(e), null, ct, e).ConfigureAwait(false);
                continue;
            }
            using (response)
            {
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    if (ParseNextExpected(await ReadJsonAsync(response, ct).ConfigureAwait(false)) is { } next) NextExpected = next;
                    return;
                }
                // 409: the session ended because the file was committed (e.g. a fragment whose answer a stall abort
                // lost): the same check as a vanished session decides whether that file is this upload.
                if (response.StatusCode is HttpStatusCode.NotFound
                    or HttpStatusCode.Conflict) { await OnSessionGoneAsync(ct).ConfigureAwait(false); return; }
                if (GraphRetry.IsTransient(response.StatusCode))
                {
                    await _retry.PauseAsync(attempt, _what + " (status)", GraphRetry.Describe(response), GraphRetry.RetryAfter(response),
                        ct).ConfigureAwait(false);
                    continue;
                }
                throw Fatal(response);
            }
        }
    }

    /// <summary>
    /// The session is gone. If the last fragment was sent, its answer may just have been lost after OneDrive
    /// committed the file (the session ends then): a stored file of the full size is that upload. Otherwise the
    /// part cannot be finished: a retryable failure, so the backup stores the part again with a fresh salt.
    /// </summary>
    private async Task OnSessionGoneAsync(CancellationToken ct)
    {
        if (_finalByteSent && await _findCommitted(ct).ConfigureAwait(false) is { IsFolder: false } item && item.Size == Total)
        {
            _retry.Observer.Verbose($"The answer to the last fragment was lost while {_what}, but OneDrive committed the file.");
            Completed = new CompletedUpload(item.Id, item.Size, item.QuickXorHash);
            NextExpected = Total;
            return;
        }
        throw GraphErrors.SessionLost(_what);
    }

    private Exception Fatal(HttpResponseMessage response) => (int)response.StatusCode switch
    {
        507 => GraphErrors.QuotaExceeded(_what),
        401 or 403 => GraphErrors.AccessDenied(_what, response.StatusCode),
        409 => GraphErrors.AlreadyExists(_what),
        var s => GraphErrors.RequestFailed(_what, s, null),
    };

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        if (bytes.Length == 0) return default;
        using var doc = JsonDocument.Parse(bytes);
        return doc.RootElement.Clone();
    }

    /// <summary>The lowest start of nextExpectedRanges ("12345-" or "12345-67890"), or null when absent.</summary>
    internal static long? ParseNextExpected(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("nextExpectedRanges", out var ranges)
            || ranges.ValueKind != JsonValueKind.Array)
            return null;
        long? lowest = null;
        foreach (var range in ranges.EnumerateArray())
        {
            var text = range.GetString();
            if (string.IsNullOrEmpty(text)) continue;
            var dash = text.IndexOf('-');
            if (long.TryParse(dash < 0 ? text : text[..dash], System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var start))
                lowest = lowest is { } l ? Math.Min(l, start) : start;
        }
        return lowest;
    }

    private static CompletedUpload ParseItem(JsonElement json)
    {
        var id = json.TryGetProperty("id", out var i) ? i.GetString() ?? "" : "";
        var size = json.TryGetProperty("size", out var s) ? s.GetInt64() : -1;
        string? hash = null;
        if (json.TryGetProperty("file", out var file) && file.TryGetProperty("hashes", out var hashes)
            && hashes.TryGetProperty("quickXorHash", out var q))
            hash = q.GetString();
        return new CompletedUpload(id, size, hash);
    }
}
