using System.Net;
using System.Net.Http.Headers;

namespace OnedriveOffsite.Engine.Repositories.OneDrive;

/// <summary>
/// Reads a stored file forward only, in Range requests of <see cref="OneDriveOptions.DownloadChunkSize"/> to its
/// pre-authenticated download URL (never with Authorization; the URL is a secret and never logged). A broken or
/// cut-off connection resumes from the current offset with a new request; an expired URL (401/403) is replaced
/// by a fresh one from the item; a 200 that ignored the Range is skipped forward to the offset. Bounded retries.
/// Hand-written because the SDK's content request follows the redirect into one long response with no resume.
/// </summary>
internal sealed class OneDriveDownloadStream : Stream
{
    private readonly OneDriveContext _ctx;
    private readonly string _path;
    private readonly long _length;
    private Uri _url;
    private long _position;
    private HttpResponseMessage? _response;
    private Stream? _body;
    private long _bodyEnd;
    private int _failures;
    private StallWatchdog? _watchdog;

    public OneDriveDownloadStream(OneDriveContext ctx, string path, long length, Uri downloadUrl)
    {
        _ctx = ctx;
        _path = path;
        _length = length;
        _url = downloadUrl;
    }

    private string What => $"downloading {_path}";

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (_position >= _length || buffer.IsEmpty) return 0;
        while (true)
        {
            if (_body is null) await OpenAsync(ct).ConfigureAwait(false);
            int n;
            var watchdog = _watchdog!;
            try
            {
                watchdog.Progress(); // the time the caller spent between reads is not a stall
                n = await _body!.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _bodyEnd - _position)], watchdog.Token)
                    .ConfigureAwait(false);
            }
            catch (Exception e) when (GraphRetry.IsConnectionFailure(e, ct) || (e is OperationCanceledException && watchdog.Stalled))
            {
                var reason = watchdog.Stalled ? _ctx.Retry.DescribeStall() : GraphRetry.Describe(e);
                CloseBody();
                await _ctx.Retry.PauseAsync(++_failures, What, "download " + reason, null, ct, e).ConfigureAwait(false);
                continue;
            }
            if (n == 0)
            {
                CloseBody();
                await _ctx.Retry.PauseAsync(++_failures, What, "download cut off", null, ct).ConfigureAwait(false);
                continue;
            }
            _position += n;
            _failures = 0;
            if (_position >= _bodyEnd) CloseBody();
            return n;
        }
    }

    private async Task OpenAsync(CancellationToken ct)
    {
        var renewals = 0;
        while (true)
        {
            await _ctx.Retry.Gate.WaitAsync(ct).ConfigureAwait(false);
            var last = Math.Min(_length, _position + _ctx.Options.DownloadChunkSize) - 1;
            var request = new HttpRequestMessage(HttpMethod.Get, _url);
            request.Headers.Range = new RangeHeaderValue(_position, last);
            GraphRetry.SetUserAgent(request.Headers);
            HttpResponseMessage response;
            // One watchdog per response: waiting for its headers, then every read of its body (CloseBody disposes it).
            _watchdog?.Dispose();
            var watchdog = _watchdog = new StallWatchdog(_ctx.Retry.StallTimeout, ct);
            try
            {
                response = await _ctx.PreAuthenticated.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, watchdog.Token)
                    .ConfigureAwait(false);
            }
            catch (Exception e) when (GraphRetry.IsConnectionFailure(e, ct) || (e is OperationCanceledException && watchdog.Stalled))
            {
                request.Dispose();
                var stalled = watchdog.Stalled;
                CloseBody();
                await _ctx.Retry.PauseAsync(++_failures, What, stalled ? _ctx.Retry.DescribeStall() : GraphRetry.Describe(e), null, ct, e)
                    .ConfigureAwait(false);
                continue;
            }
            switch (response.StatusCode)
            {
                case HttpStatusCode.PartialContent:
                    if (response.Content.Headers.ContentRange is not { From: { } from } range || from != _position)
                    {
                        response.Dispose();
                        throw GraphErrors.RequestFailed(What, 206, "unexpected Content-Range");
                    }
                    _response = response;
                    _bodyEnd = (range.To ?? last) + 1;
                    _body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                    return;
                case HttpStatusCode.OK:
                    // The server ignored Range and sends the whole file: read past what we already have.
                    _response = response;
                    _bodyEnd = _length;
                    _body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                    if (_position > 0 && !await SkipAsync(_body, _position, ct).ConfigureAwait(false))
                    {
                        CloseBody();
                        await _ctx.Retry.PauseAsync(++_failures, What, "download cut off", null, ct).ConfigureAwait(false);
                        continue;
                    }
                    return;
                case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.Gone:
                    // Download URLs live a few minutes: get the item again for a fresh one and continue from here.
                    response.Dispose();
                    if (++renewals > _ctx.Retry.MaxAttempts) throw GraphErrors.Unavailable(What, "the download address kept expiring");
                    _ctx.Retry.Observer.Verbose(
                        $"Download address of {_path} expired ({(int)response.StatusCode}); getting a fresh one, resuming at byte " +
                        $"{_position}.");
                    var fresh = await _ctx.Drive.GetForDownloadAsync(_path, ct).ConfigureAwait(false)
                        ?? throw GraphErrors.NotFound(_path, "OneDrive");
                    _url = fresh.DownloadUrl;
                    continue;
                default:
                    if (GraphRetry.IsTransient(response.StatusCode))
                    {
                        var retryAfter = GraphRetry.RetryAfter(response);
                        var reason = GraphRetry.Describe(response);
                        response.Dispose();
                        await _ctx.Retry.PauseAsync(++_failures, What, reason, retryAfter, ct).ConfigureAwait(false);
                        continue;
                    }
                    var status = (int)response.StatusCode;
                    response.Dispose();
                    throw GraphErrors.RequestFailed(What, status, null);
            }
        }
    }

    /// <summary>Discards <paramref name="count"/> bytes; false when the connection broke or ended first.</summary>
    private static async Task<bool> SkipAsync(Stream body, long count, CancellationToken ct)
    {
        var scratch = new byte[1 << 16];
        try
        {
            while (count > 0)
            {
                var n = await body.ReadAsync(scratch.AsMemory(0, (int)Math.Min(scratch.Length, count)), ct).ConfigureAwait(false);
                if (n == 0) return false;
                count -= n;
            }
            return true;
        }
        catch (Exception e) when (GraphRetry.IsConnectionFailure(e, ct)) { return false; }
    }

    private void CloseBody()
    {
        _body?.Dispose();
        _response?.Dispose();
        _watchdog?.Dispose();
        _body = null;
        _response = null;
        _watchdog = null;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter()
        .GetResult();
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) CloseBody();
        base.Dispose(disposing);
    }
}
