namespace OnedriveOffsite.Engine.Errors;

/// <summary>
/// Every failure the engine reports to users: a stable <see cref="ErrorId"/> (the PowerShell FullyQualifiedErrorId
/// prefix), a category, and the object it concerns. Messages must never contain secrets.
/// </summary>
public class OffsiteException : Exception
{
    public OffsiteException(string errorId, OffsiteErrorCategory category, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
    }

    public string ErrorId { get; }
    public OffsiteErrorCategory Category { get; }
    public object? Target { get; }
}
