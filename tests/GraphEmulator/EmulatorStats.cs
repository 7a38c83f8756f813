namespace OnedriveOffsite.GraphEmulator;

/// <summary>A snapshot of what the emulator has seen (serialised as-is by GET /_emulator/stats).</summary>
public sealed class EmulatorStats
{
    /// <summary>All requests except /_emulator ones.</summary>
    public long TotalRequests { get; init; }

    /// <summary>Requests per route kind, e.g. "GET children", "PUT uploadFragment", "GET download".</summary>
    public IReadOnlyDictionary<string, long> RequestsByRoute { get; init; } = new Dictionary<string, long>();

    /// <summary>Faults injected, per <see cref="Faults.FaultKind"/> name.</summary>
    public IReadOnlyDictionary<string, long> FaultsInjected { get; init; } = new Dictionary<string, long>();

    /// <summary>Faults injected per kind and target, keys like "Throttle429@upload" (see <see cref="Faults.FaultTarget"/>).</summary>
    public IReadOnlyDictionary<string, long> FaultsInjectedByTarget { get; init; } = new Dictionary<string, long>();

    /// <summary>Requests to pre-authenticated upload/download URLs that carried an Authorization header.</summary>
    public long AuthorizationHeaderViolations { get; init; }

    /// <summary>Requests that arrived before a Retry-After deadline had passed (0 for a well-behaved client).</summary>
    public long RequestsBeforeRetryAfter { get; init; }
    /// <summary>Requests that arrived before a Retry-After deadline but so soon after the throttling answer that they were already under way (not a client fault).</summary>
    public long RequestsInFlightDuringThrottle { get; init; }

    /// <summary>Requests rejected with 401 because the bearer token was missing, unknown or expired.</summary>
    public long UnauthorizedRequests { get; init; }

    /// <summary>Bytes accepted into upload sessions and simple uploads (including re-sent bytes).</summary>
    public long UploadedBytes { get; init; }

    /// <summary>Bytes sent by download URLs.</summary>
    public long DownloadedBytes { get; init; }

    /// <summary>
    /// Upload body bytes counted as each read arrives (fragments and simple uploads, including bytes later discarded),
    /// so that sampling the stats during a transfer gives its rate (bench/bandwidth.ps1).
    /// </summary>
    public long UploadBytesArriving { get; init; }

    /// <summary>Download body bytes counted as each write to the response completes (live, as <see cref="UploadBytesArriving"/>).</summary>
    public long DownloadBytesLeaving { get; init; }

    /// <summary>Unhandled exceptions in the emulator itself (answered 500 emulatorError); should stay 0.</summary>
    public long InternalErrors { get; init; }

    public long SessionsCreated { get; init; }
    public long SessionsCompleted { get; init; }
    public long SessionsCancelled { get; init; }
    public long ItemsDeleted { get; init; }

    /// <summary>Distinct User-Agent headers seen ("" when absent).</summary>
    public IReadOnlyList<string> UserAgents { get; init; } = [];

    /// <summary>Files currently stored, sorted by path.</summary>
    public IReadOnlyList<StoredFileInfo> StoredFiles { get; init; } = [];
}

/// <summary>A file in the emulated drive. <see cref="QuickXorHash"/> is the hash the drive reports.</summary>
public sealed record StoredFileInfo(string Id, string Path, long Size, string QuickXorHash);

/// <summary>Thread-safe counters behind <see cref="EmulatorStats"/>.</summary>
internal sealed class StatsRecorder
{
    private readonly object _gate = new();
    private readonly Dictionary<string, long> _routes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _faults = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _faultsByTarget = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _userAgents = new(StringComparer.Ordinal);
    private long _total, _internalErrors, _authViolations, _early, _inFlight, _unauthorized, _uploaded, _downloaded;
    private long _uploadArriving, _downloadLeaving;
    private long _sessionsCreated, _sessionsCompleted, _sessionsCancelled, _deleted;

    public void Request(string route, string? userAgent)
    {
        lock (_gate)
        {
            _total++;
            _routes[route] = _routes.GetValueOrDefault(route) + 1;
            _userAgents.Add(userAgent ?? "");
        }
    }

    public void Fault(Faults.FaultKind kind, Faults.FaultTarget target)
    {
        var byTarget = Faults.FaultTargets.Key(kind, target);
        lock (_gate)
        {
            _faults[kind.ToString()] = _faults.GetValueOrDefault(kind.ToString()) + 1;
            _faultsByTarget[byTarget] = _faultsByTarget.GetValueOrDefault(byTarget) + 1;
        }
    }

    public void AuthorizationViolation() => Interlocked.Increment(ref _authViolations);
    public void EarlyRequest() => Interlocked.Increment(ref _early);
    public void InFlightDuringThrottle() => Interlocked.Increment(ref _inFlight);
    public void Unauthorized() => Interlocked.Increment(ref _unauthorized);
    public void Uploaded(long bytes) => Interlocked.Add(ref _uploaded, bytes);
    public void Downloaded(long bytes) => Interlocked.Add(ref _downloaded, bytes);
    public void UploadBytesArrived(int bytes) => Interlocked.Add(ref _uploadArriving, bytes);
    public void DownloadBytesWritten(int bytes) => Interlocked.Add(ref _downloadLeaving, bytes);
    public void SessionCreated() => Interlocked.Increment(ref _sessionsCreated);
    public void SessionCompleted() => Interlocked.Increment(ref _sessionsCompleted);
    public void SessionCancelled() => Interlocked.Increment(ref _sessionsCancelled);
    public void Deleted() => Interlocked.Increment(ref _deleted);
    public void InternalError() => Interlocked.Increment(ref _internalErrors);

    public void Reset()
    {
        lock (_gate)
        {
            _routes.Clear(); _faults.Clear(); _faultsByTarget.Clear(); _userAgents.Clear();
            _total = 0;
            Interlocked.Exchange(ref _authViolations, 0); Interlocked.Exchange(ref _early, 0); Interlocked.Exchange(ref _inFlight, 0);
            Interlocked.Exchange(ref _unauthorized, 0); Interlocked.Exchange(ref _uploaded, 0);
            Interlocked.Exchange(ref _downloaded, 0); Interlocked.Exchange(ref _sessionsCreated, 0);
            Interlocked.Exchange(ref _uploadArriving, 0); Interlocked.Exchange(ref _downloadLeaving, 0);
            Interlocked.Exchange(ref _sessionsCompleted, 0); Interlocked.Exchange(ref _sessionsCancelled, 0);
            Interlocked.Exchange(ref _deleted, 0); Interlocked.Exchange(ref _internalErrors, 0);
        }
    }

    public EmulatorStats Snapshot(IReadOnlyList<StoredFileInfo> files)
    {
        lock (_gate)
        {
            return new EmulatorStats
            {
                TotalRequests = _total,
                RequestsByRoute = new SortedDictionary<string, long>(_routes, StringComparer.Ordinal),
                FaultsInjected = new SortedDictionary<string, long>(_faults, StringComparer.Ordinal),
                FaultsInjectedByTarget = new SortedDictionary<string, long>(_faultsByTarget, StringComparer.Ordinal),
                AuthorizationHeaderViolations = Interlocked.Read(ref _authViolations),
                RequestsBeforeRetryAfter = Interlocked.Read(ref _early),
                RequestsInFlightDuringThrottle = Interlocked.Read(ref _inFlight),
                UnauthorizedRequests = Interlocked.Read(ref _unauthorized),
                UploadedBytes = Interlocked.Read(ref _uploaded),
                DownloadedBytes = Interlocked.Read(ref _downloaded),
                UploadBytesArriving = Interlocked.Read(ref _uploadArriving),
                DownloadBytesLeaving = Interlocked.Read(ref _downloadLeaving),
                SessionsCreated = Interlocked.Read(ref _sessionsCreated),
                SessionsCompleted = Interlocked.Read(ref _sessionsCompleted),
                SessionsCancelled = Interlocked.Read(ref _sessionsCancelled),
                ItemsDeleted = Interlocked.Read(ref _deleted),
                InternalErrors = Interlocked.Read(ref _internalErrors),
                UserAgents = _userAgents.ToArray(),
                StoredFiles = files,
            };
        }
    }
}
