using System.Management.Automation;
using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Infrastructure;

/// <summary>Maps engine exceptions to error records: stable ErrorId, PowerShell category, target object.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(Exception exception, object? target)
    {
        var ex = exception is AggregateException { InnerExceptions.Count: 1 } agg ? agg.InnerException! : exception;
        return ex switch
        {
            OffsiteException o => new ErrorRecord(o, o.ErrorId, MapCategory(o.Category), target ?? o.Target),
            OperationCanceledException => new ErrorRecord(ex, ErrorIds.Cmdlet.OperationStopped, ErrorCategory.OperationStopped, target),
            UnauthorizedAccessException => new ErrorRecord(ex, ErrorIds.Cmdlet.AccessDenied, ErrorCategory.PermissionDenied, target),
            IOException => new ErrorRecord(ex, ErrorIds.Cmdlet.IOError, ErrorCategory.WriteError, target),
            _ => new ErrorRecord(ex, ErrorIds.Cmdlet.UnexpectedError, ErrorCategory.NotSpecified, target),
        };
    }

    public static ErrorCategory MapCategory(OffsiteErrorCategory category) =>
        Enum.TryParse<ErrorCategory>(category.ToString(), out var mapped) ? mapped : ErrorCategory.NotSpecified;
}
