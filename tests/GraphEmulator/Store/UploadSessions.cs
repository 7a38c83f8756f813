using System.Security.Cryptography;
using OnedriveOffsite.GraphEmulator.Hashing;

namespace OnedriveOffsite.GraphEmulator.Store;

/// <summary>An open upload session: bytes received so far live in <see cref="TempPath"/>.</summary>
internal sealed class UploadSession
{
    public required string Id { get; init; }
    public required DriveItemNode Parent { get; init; }
    public required string Name { get; init; }
    public required ConflictBehavior Behavior { get; init; }
    public required string TempPath { get; init; }
    public required DateTimeOffset HardExpiry { get; init; }
    public DateTimeOffset Expiry { get; set; }
    /// <summary>TOTAL of the first Content-Range; every later fragment must repeat it.</summary>
    public long? Total { get; set; }
    public long NextExpected { get; set; }
    /// <summary>Hash of the bytes stored so far (not of what the client meant to send).</summary>
    public ReferenceQuickXorHash Hash { get; set; } = new();
    /// <summary>
    /// Whether a CorruptOnUpload fault already damaged this file. quickXorHash is linear (XOR of bytes rotated by
    /// 11 bits per position, period 160 bytes), so two identical flips 160·k bytes apart cancel out and the damaged
    /// file would hash like the original: one corruption per file keeps the fault a test of the client, not of the
    /// hash function's known weakness.
    /// </summary>
    public bool Corrupted { get; set; }
    /// <summary>One request at a time per session: fragments are strictly sequential.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public string[] NextExpectedRanges => [$"{NextExpected}-{(Total is { } t ? (t - 1).ToString() : "")}"];
}

/// <summary>Open upload sessions by id; expired ones disappear (404) like OneDrive's.</summary>
internal sealed class UploadSessions(string directory, TimeSpan idleLifetime, TimeSpan maxLifetime, TimeProvider clock)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, UploadSession> _sessions = new(StringComparer.Ordinal);

    public TimeSpan IdleLifetime => idleLifetime;

    public UploadSession Create(DriveItemNode parent, string name, ConflictBehavior behavior)
    {
        Directory.CreateDirectory(directory);
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var now = clock.GetUtcNow();
        var session = new UploadSession
        {
            Id = id, Parent = parent, Name = name, Behavior = behavior,
            TempPath = Path.Combine(directory, id),
            HardExpiry = now + maxLifetime,
            Expiry = Min(now + idleLifetime, now + maxLifetime),
        };
        File.Create(session.TempPath).Dispose();
        lock (_gate) _sessions[id] = session;
        return session;
    }

    /// <summary>The live session, or null when unknown, cancelled or expired (an expired one is removed).</summary>
    public UploadSession? Find(string id)
    {
        lock (_gate)
        {
            if (!_sessions.TryGetValue(id, out var s)) return null;
            if (s.Expiry > clock.GetUtcNow()) return s;
        }
        Remove(id);
        return null;
    }

    public void Touch(UploadSession session)
    {
        var now = clock.GetUtcNow();
        session.Expiry = Min(now + idleLifetime, session.HardExpiry);
    }

    public void Remove(string id)
    {
        UploadSession? s;
        lock (_gate) { if (!_sessions.Remove(id, out s)) return; }
        try { File.Delete(s.TempPath); } catch (IOException) { }
    }

    public void ExpireAll()
    {
        List<string> ids;
        lock (_gate) ids = _sessions.Keys.ToList();
        foreach (var id in ids) Remove(id);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
