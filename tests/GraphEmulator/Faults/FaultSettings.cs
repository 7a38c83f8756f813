namespace OnedriveOffsite.GraphEmulator.Faults;

/// <summary>
/// Live fault-injection settings of a running emulator (thread-safe). Random injection is deterministic for a
/// given seed and request order; <see cref="Enqueue"/> scripts exact faults for the next eligible requests.
/// Faults never apply to the <c>/_emulator</c> admin endpoints.
/// </summary>
public sealed class FaultSettings
{
    private readonly object _gate = new();
    private readonly Queue<(FaultKind Kind, FaultTarget? Target)> _scripted = new();
    private HashSet<FaultKind> _kinds = [];
    private double _rate;
    private int _seed;
    private Random _random;
    private int _retryAfterSeconds = 1;
    private double _retryAfterOmittedRate;

    public FaultSettings(int seed = 1)
    {
        _seed = seed;
        _random = new Random(seed);
    }

    /// <summary>Probability (0..1) that an eligible request gets a random fault.</summary>
    public double Rate
    {
        get { lock (_gate) return _rate; }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 0.0);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1.0);
            lock (_gate) _rate = value;
        }
    }

    /// <summary>Kinds random injection picks from; empty means every kind.</summary>
    public IReadOnlyCollection<FaultKind> Kinds
    {
        get { lock (_gate) return _kinds.ToArray(); }
        set { lock (_gate) _kinds = [.. value]; }
    }

    /// <summary>Setting the seed restarts the random sequence.</summary>
    public int Seed
    {
        get { lock (_gate) return _seed; }
        set { lock (_gate) { _seed = value; _random = new Random(value); } }
    }

    public int RetryAfterSeconds
    {
        get { lock (_gate) return _retryAfterSeconds; }
        set { ArgumentOutOfRangeException.ThrowIfNegative(value); lock (_gate) _retryAfterSeconds = value; }
    }

    /// <summary>Fraction (0..1) of injected 429/503 sent without Retry-After.</summary>
    public double RetryAfterOmittedRate
    {
        get { lock (_gate) return _retryAfterOmittedRate; }
        set { lock (_gate) _retryAfterOmittedRate = value; }
    }

    /// <summary>Queues a fault for the next request it can apply to (ahead of random injection).</summary>
    public void Enqueue(params FaultKind[] kinds)
    {
        lock (_gate) foreach (var k in kinds) _scripted.Enqueue((k, null));
    }

    /// <summary>Queues faults that only requests of <paramref name="target"/> can take (e.g. a 429 on an upload).</summary>
    public void Enqueue(FaultTarget target, params FaultKind[] kinds)
    {
        lock (_gate) foreach (var k in kinds) _scripted.Enqueue((k, target));
    }

    /// <summary>Scripted faults not yet delivered.</summary>
    public IReadOnlyList<FaultKind> Pending
    {
        get { lock (_gate) return _scripted.Select(s => s.Kind).ToArray(); }
    }

    /// <summary>Stops all injection: rate 0, no kinds, no scripted faults.</summary>
    public void Clear()
    {
        lock (_gate) { _rate = 0; _kinds = []; _scripted.Clear(); }
    }

    internal FaultKind? Decide(RequestClass request, bool hasRange)
    {
        lock (_gate)
        {
            if (_scripted.Count > 0)
            {
                var queued = _scripted.ToList();
                int index = queued.FindIndex(s => AppliesTo(s.Kind, request, hasRange) && (s.Target is null || s.Target == FaultTargets.Of(request)));
                if (index >= 0)
                {
                    var chosen = queued[index].Kind;
                    queued.RemoveAt(index);
                    _scripted.Clear();
                    foreach (var k in queued) _scripted.Enqueue(k);
                    return chosen;
                }
            }
            if (_rate <= 0 || _random.NextDouble() >= _rate) return null;
            var candidates = (_kinds.Count == 0 ? Enum.GetValues<FaultKind>() : _kinds.ToArray())
                .Where(k => AppliesTo(k, request, hasRange)).OrderBy(k => k).ToArray();
            return candidates.Length == 0 ? null : candidates[_random.Next(candidates.Length)];
        }
    }

    internal bool NextRetryAfterOmitted()
    {
        lock (_gate) return _retryAfterOmittedRate > 0 && _random.NextDouble() < _retryAfterOmittedRate;
    }

    /// <summary>A value in [0, max) from the seeded sequence (sizes of partial stores and truncations).</summary>
    internal long NextLong(long max)
    {
        lock (_gate) return max <= 0 ? 0 : _random.NextInt64(max);
    }

    internal static bool AppliesTo(FaultKind kind, RequestClass request, bool hasRange) => kind switch
    {
        FaultKind.Throttle429 or FaultKind.Unavailable503 or FaultKind.ServerError500
            or FaultKind.ConnectionReset => true,
        FaultKind.LostAcknowledgement or FaultKind.CorruptOnUpload =>
            request is RequestClass.UploadFragment or RequestClass.SimpleUpload,
        FaultKind.PartialFragmentStored => request == RequestClass.UploadFragment,
        FaultKind.SessionExpired => request is RequestClass.UploadFragment or RequestClass.UploadSessionOther,
        FaultKind.DownloadUrlExpired or FaultKind.TruncatedDownload => request == RequestClass.Download,
        FaultKind.IgnoreRange => request == RequestClass.Download && hasRange,
        _ => false,
    };
}
