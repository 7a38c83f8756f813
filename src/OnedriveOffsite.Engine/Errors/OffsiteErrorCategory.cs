namespace OnedriveOffsite.Engine.Errors;

/// <summary>
/// The engine's mirror of PowerShell's ErrorCategory (same names), so the engine needs no reference to
/// System.Management.Automation; the cmdlet layer maps it by name.
/// </summary>
public enum OffsiteErrorCategory
{
    NotSpecified,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    ObjectNotFound,
    ResourceExists,
    ResourceUnavailable,
    PermissionDenied,
    AuthenticationError,
    SecurityError,
    ConnectionError,
    QuotaExceeded,
    NotImplemented,
    OperationStopped,
    WriteError,
    ReadError,
    LimitsExceeded,
    InvalidResult,
}
