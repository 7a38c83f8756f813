using System.Security.Cryptography;

namespace OnedriveOffsite.GraphEmulator.Http;

/// <summary>Bearer tokens the emulated Graph API accepts; expiring them simulates an access token running out.</summary>
internal sealed class AccessTokens
{
    private readonly object _gate = new();
    private readonly HashSet<string> _valid = new(StringComparer.Ordinal);
    private readonly HashSet<string> _expired = new(StringComparer.Ordinal);
    private string _current = "";

    public AccessTokens(IEnumerable<string> initial)
    {
        foreach (var t in initial) Add(t);
        if (_valid.Count == 0) Issue();
    }

    /// <summary>The most recently issued or added token (invalid after <see cref="ExpireAll"/> until a new one).</summary>
    public string Current { get { lock (_gate) return _current; } }

    public string Issue() => Add("emu-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant());

    public string Add(string token)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        lock (_gate)
        {
            _expired.Remove(token);
            _valid.Add(token);
            _current = token;
            return token;
        }
    }

    public void ExpireAll()
    {
        lock (_gate)
        {
            _expired.UnionWith(_valid);
            _valid.Clear();
        }
    }

    /// <summary>Null when the Authorization header carries a valid bearer token, else the reason (Graph's wording).</summary>
    public string? Check(string? authorization)
    {
        if (string.IsNullOrEmpty(authorization)) return "Access token is empty.";
        const string prefix = "Bearer ";
        if (!authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            return "Authorization header is not a bearer token.";
        var token = authorization[prefix.Length..].Trim();
        lock (_gate)
        {
            if (_valid.Contains(token)) return null;
            return _expired.Contains(token)
                ? "Lifetime validation failed, the token is expired."
                : "IDX14100: JWT is not well formed.";
        }
    }
}
