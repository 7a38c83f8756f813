using System.Security.Cryptography;

namespace OnedriveOffsite.GraphEmulator.Store;

/// <summary>Pre-authenticated, short-lived download URLs (<c>/_download/{token}</c>), one per item answer.</summary>
internal sealed class DownloadGrants(TimeSpan lifetime, TimeProvider clock)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Grant> _grants = new(StringComparer.Ordinal);
    private int _sweepAt = 1000;

    public sealed record Grant(DriveItemNode Item, string BlobPath, long Size, DateTimeOffset Expires);

    public string Issue(DriveItemNode file)
    {
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();
        var grant = new Grant(file, file.BlobPath!, file.FileSize, clock.GetUtcNow() + lifetime);
        lock (_gate)
        {
            // Drop expired grants so a long run does not accumulate them; the next sweep waits until the map has
            // doubled, so listing 100,000 items (a grant each, all alive) stays linear rather than quadratic.
            if (_grants.Count > _sweepAt)
            {
                foreach (var key in _grants.Where(g => g.Value.Expires < clock.GetUtcNow()).Select(g => g.Key).ToList())
                    _grants.Remove(key);
                _sweepAt = Math.Max(1000, 2 * _grants.Count);
            }
            _grants[token] = grant;
        }
        return token;
    }

    /// <summary>Whether the grant's lifetime is over (by the emulator's clock).</summary>
    public bool IsExpired(Grant grant) => grant.Expires <= clock.GetUtcNow();

    public Grant? Find(string token)
    {
        lock (_gate) return _grants.GetValueOrDefault(token);
    }

    public void Expire(string token)
    {
        lock (_gate)
            if (_grants.TryGetValue(token, out var g)) _grants[token] = g with { Expires = DateTimeOffset.MinValue };
    }

    public void ExpireAll()
    {
        lock (_gate)
            foreach (var key in _grants.Keys.ToList()) _grants[key] = _grants[key] with { Expires = DateTimeOffset.MinValue };
    }
}
