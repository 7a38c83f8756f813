namespace OnedriveOffsite.GraphEmulator.Faults;

/// <summary>
/// Misbehaviour a broken or hostile service could show, beyond the ordinary faults: upload answers that never
/// advance, transfers that stop moving without closing the connection, paging links to another host. Set them
/// in-process (<see cref="GraphEmulatorServer.Hostile"/>) or with <c>POST /_emulator/hostile</c>. Counters count
/// down as they are used; thread-safe.
/// </summary>
public sealed class HostileBehaviors
{
    private int _unprogressingAccepts;
    private int _stalledUploads;
    private int _stalledDownloads;
    private long _stallAfterBytes = 64 * 1024;
    private volatile string? _foreignNextLinkHost;

    /// <summary>The next this-many fragment PUTs are read and discarded, then answered 202 with the unchanged nextExpectedRanges.</summary>
    public int UnprogressingAccepts { get => Volatile.Read(ref _unprogressingAccepts); set => Volatile.Write(ref _unprogressingAccepts, value); }

    /// <summary>The next this-many fragment PUTs stop reading their body after <see cref="StallAfterBytes"/> and never answer (until the client gives up).</summary>
    public int StalledUploads { get => Volatile.Read(ref _stalledUploads); set => Volatile.Write(ref _stalledUploads, value); }

    /// <summary>The next this-many downloads send <see cref="StallAfterBytes"/> bytes, then nothing more, keeping the connection open.</summary>
    public int StalledDownloads { get => Volatile.Read(ref _stalledDownloads); set => Volatile.Write(ref _stalledDownloads, value); }

    public long StallAfterBytes { get => Interlocked.Read(ref _stallAfterBytes); set => Interlocked.Exchange(ref _stallAfterBytes, value); }

    /// <summary>When set (e.g. "evil.example:443"), children pages' @odata.nextLink point to this host instead of the emulator.</summary>
    public string? ForeignNextLinkHost { get => _foreignNextLinkHost; set => _foreignNextLinkHost = value; }

    /// <summary>Stalled transfers and unprogressing answers given so far.</summary>
    public int Delivered => Volatile.Read(ref _delivered);
    private int _delivered;

    internal bool TakeUnprogressingAccept() => Take(ref _unprogressingAccepts);
    internal bool TakeStalledUpload() => Take(ref _stalledUploads);
    internal bool TakeStalledDownload() => Take(ref _stalledDownloads);

    private bool Take(ref int counter)
    {
        while (true)
        {
            var current = Volatile.Read(ref counter);
            if (current <= 0) return false;
            if (Interlocked.CompareExchange(ref counter, current - 1, current) == current)
            {
                Interlocked.Increment(ref _delivered);
                return true;
            }
        }
    }

    /// <summary>Holds the request open, doing nothing, until the client aborts it (or the server stops).</summary>
    internal static async Task StallAsync(HttpContext ctx)
    {
        try { await Task.Delay(Timeout.Infinite, ctx.RequestAborted); }
        catch (OperationCanceledException) { }
    }
}
