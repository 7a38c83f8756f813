namespace OnedriveOffsite.Engine.Repositories;

/// <summary>
/// The stored-file retry layer (docs/ARCHITECTURE.md, "Retries"): when a repository reports a stored file lost or
/// damaged (<see cref="RetryablePartException"/>: an upload session gone, a stored hash that differs from the bytes
/// sent), the whole file is stored again at once, with no wait: the HTTP layer below has already waited out
/// throttling and transient server trouble for each request. One policy per kind of stored file.
/// </summary>
public sealed class StoredFileRetry
{
    /// <summary>
    /// Parts: each attempt repeats at most one part (256 MiB by default), never the whole file, with a fresh salt;
    /// 8 keeps a 1 GiB backup reliable through the emulator's 10% fault mix (4 failed about 1 run in 5 there).
    /// </summary>
    public static readonly StoredFileRetry Parts = new(8);

    /// <summary>The manifest: a few hundred bytes in one fragment; the same bytes are sent again.</summary>
    public static readonly StoredFileRetry Manifest = new(3);

    private StoredFileRetry(int maxAttempts) => MaxAttempts = maxAttempts;

    public int MaxAttempts { get; }

    /// <summary>Whether failed attempt number <paramref name="attempt"/> (1-based) is followed by another.</summary>
    public bool ShouldRetry(Exception failure, int attempt) => failure is RetryablePartException && attempt < MaxAttempts;
}
