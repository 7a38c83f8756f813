using System.Net;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Repositories.OneDrive;

/// <summary>The OneDrive failures users can hit, with their stable ErrorIds. Messages never carry URLs (upload and download URLs are secrets).</summary>
internal static class GraphErrors
{
    public static OffsiteException QuotaExceeded(string what) =>
        new(ErrorIds.OneDrive.OneDriveQuotaExceeded, OffsiteErrorCategory.QuotaExceeded,
            $"OneDrive is full (507 Insufficient Storage) while {what}. Free space (empty the recycle bin, remove old snapshots) or add storage, then run the backup again.", what);

    public static OffsiteException AccessDenied(string what, HttpStatusCode status) =>
        new(ErrorIds.OneDrive.OneDriveAccessDenied, OffsiteErrorCategory.PermissionDenied,
            $"OneDrive denied access ({(int)status}) while {what}. With the app-folder permission some personal accounts cannot reach the app folder: " +
            "then use Set-OffsiteApp -ScopeMode Drive -DriveFolder <folder> and Connect-OffsiteAccount again.", what);

    public static OffsiteException Unavailable(string what, string detail, Exception? inner = null) =>
        new(ErrorIds.OneDrive.OneDriveUnavailable, OffsiteErrorCategory.ConnectionError,
            $"OneDrive could not be reached or kept failing while {what} ({detail}); gave up after retrying. Try again later.", what, inner);

    /// <summary>OneDriveUnavailable for a TLS certificate OneDrive's connection did not accept: not retried, not "could not be reached".</summary>
    public static OffsiteException Tls(string what, System.Security.Authentication.AuthenticationException tls, Exception inner) =>
        new(ErrorIds.OneDrive.OneDriveUnavailable, OffsiteErrorCategory.SecurityError,
            $"Connecting to OneDrive failed while {what}: {IO.TlsFailure.Explain("OneDrive", tls)}", what, inner);

    public static OffsiteException RequestFailed(string what, int status, string? code) =>
        new(ErrorIds.OneDrive.OneDriveRequestFailed, OffsiteErrorCategory.InvalidOperation,
            $"OneDrive answered {status}{(string.IsNullOrEmpty(code) ? "" : " " + code)} while {what}.", what);

    public static OffsiteException AlreadyExists(string what) =>
        new(ErrorIds.OneDrive.StoredFileExists, OffsiteErrorCategory.ResourceExists,
            $"{what} already exists in OneDrive; a snapshot never replaces anything.", what);

    public static OffsiteException NotFound(string name, string where) =>
        new(ErrorIds.Snapshots.PartMissing, OffsiteErrorCategory.ObjectNotFound, $"Stored {name} is missing from {where}.", name);

    public static OffsiteException InvalidPath(string spec, string reason) =>
        new(ErrorIds.OneDrive.InvalidRepository, OffsiteErrorCategory.InvalidArgument,
            $"'{spec}' is not a valid OneDrive repository ({reason}). Use 'onedrive:' or 'onedrive:/folder/sub'.", spec);

    public static RetryablePartException SessionLost(string name) =>
        new(ErrorIds.OneDrive.UploadSessionLost, OffsiteErrorCategory.ConnectionError,
            $"OneDrive lost the upload session of {name} (404); the part must be stored again.", name);

    public static RetryablePartException HashMismatch(string name, string local, string? remote) =>
        new(ErrorIds.OneDrive.StoredHashMismatch, OffsiteErrorCategory.InvalidData,
            $"OneDrive stored {name} with quickXorHash {remote ?? "(none)"}, but the bytes sent hash to {local}: it was damaged on the way.", name);

    public static OffsiteException SizeMismatch(string name, long expected, long actual) =>
        new(ErrorIds.Backup.StoredSizeMismatch, OffsiteErrorCategory.WriteError,
            $"{name} was announced as {expected} bytes but {actual} were written.", name);
}
