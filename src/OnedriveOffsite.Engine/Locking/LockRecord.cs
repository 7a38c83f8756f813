using System.Text.Json;
using System.Text.Json.Serialization;

namespace OnedriveOffsite.Engine.Locking;

/// <summary>
/// What a lock file says (docs/FORMAT.md "Locks"): who holds it (host, process id, run id), for what, since when,
/// and when it was last refreshed. Plain JSON: it holds no secret and must be readable without the key.
/// </summary>
public sealed record LockRecord
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    /// <summary>The largest lock file a reader accepts (a lock is a few hundred bytes).</summary>
    public const int MaxLength = 4096;

    public int Version { get; init; } = 1;
    public required string RunId { get; init; }
    public required string Host { get; init; }
    public required int ProcessId { get; init; }
    /// <summary>What the holder does: backup, remove, ...</summary>
    public required string Operation { get; init; }
    public required DateTime StartedUtc { get; init; }
    public required DateTime RefreshedUtc { get; init; }

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>The record, or null when the bytes are not a lock this version understands.</summary>
    public static LockRecord? TryParse(byte[] bytes)
    {
        if (bytes.Length > MaxLength) return null;
        try
        {
            var r = JsonSerializer.Deserialize<LockRecord>(bytes, Json);
            return r is { Version: 1 } && !string.IsNullOrEmpty(r.RunId) && !string.IsNullOrEmpty(r.Host) ? r : null;
        }
        catch (JsonException) { return null; }
    }

    [JsonIgnore]
    public string Describe =>
        $"{Operation} by process {ProcessId} on {Host}, started {StartedUtc:yyyy-MM-dd HH:mm:ss}Z, last refreshed " +
        $"{RefreshedUtc:yyyy-MM-dd HH:mm:ss}Z";
}
