using System.Net;
using OnedriveOffsite.Engine.IO;

namespace OnedriveOffsite.Engine.Repositories.OneDrive;

/// <summary>
/// A request body sent in slices so that each slice can wait for the shared upload bandwidth limit (64 KiB slices
/// when one is set) and report progress to the transfer's <see cref="StallWatchdog"/> (1 MiB slices otherwise:
/// even at 1 Mbit/s one takes seconds, far below the stall timeout).
/// </summary>
internal sealed class PacedContent : HttpContent
{
    private const int LimitedSlice = 64 * 1024;
    private const int UnlimitedSlice = 1 << 20;
    private readonly ReadOnlyMemory<byte> _data;
    private readonly StallWatchdog _watchdog;
    private readonly BandwidthLimiter? _limiter;

    public PacedContent(ReadOnlyMemory<byte> data, StallWatchdog watchdog, BandwidthLimiter? limiter)
    {
        _data = data;
        _watchdog = watchdog;
        _limiter = limiter;
        Headers.ContentLength = data.Length;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken ct)
    {
        var size = _limiter is null ? UnlimitedSlice : LimitedSlice;
        for (var offset = 0; offset < _data.Length; offset += size)
        {
            var slice = _data.Slice(offset, Math.Min(size, _data.Length - offset));
            if (_limiter is not null)
            {
                await _limiter.WaitAsync(slice.Length, ct).ConfigureAwait(false);
                _watchdog.Progress(); // time spent waiting for the limit is not a stall
            }
            await stream.WriteAsync(slice, ct).ConfigureAwait(false);
            _watchdog.Progress();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _data.Length;
        return true;
    }
}
