using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Repositories;

/// <summary>
/// A stored file failed in a way that storing the part again from scratch can fix (upload session lost
/// mid-file, stored hash differs from the bytes sent). The backup re-runs the whole part with a fresh salt,
/// hence a fresh key and nonces: re-encrypting the same records under the old key is never done.
/// </summary>
public sealed class RetryablePartException : OffsiteException
{
    public RetryablePartException(string errorId, OffsiteErrorCategory category, string message, object? target = null,
        Exception? inner = null)
        : base(errorId, category, message, target, inner)
    {
    }
}
