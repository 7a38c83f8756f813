using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Restore;

namespace OnedriveOffsite.Engine.Notifications;

/// <summary>Builds the notification reports of backup and restore runs from their outcome.</summary>
public static class OperationReports
{
    /// <summary>
    /// A format 2 backup: what it added, and what was verified. No "Parts" line: a format 2 snapshot has no parts (its
    /// chunks are in packs, shared with the set's other snapshots), and the packs it added are in the verification line.
    /// </summary>
    public static OperationReport DedupBackupSucceeded(BackupRequest request, Dedup.DedupBackupResult result, IReadOnlyList<string> tail) =>
        BackupSucceeded(request, new BackupResult(result.Snapshot, result.Duration, null!), tail) with
        {
            PartCount = null,
            Verification =
                $"SHA-256 {result.Snapshot.Sha256} computed while reading; {result.Manifest.Added.Packs} new pack(s) " +
                $"({result.Manifest.Added.StoredBytes} bytes) stored" +
                (result.Snapshot.Repository.StartsWith("onedrive:", StringComparison.OrdinalIgnoreCase)
                    ? " and their OneDrive quickXorHash verified" : " and flushed to disk"),
        };

    public static OperationReport BackupSucceeded(BackupRequest request, BackupResult result, IReadOnlyList<string> tail) => new()
    {
        Kind = OperationKind.Backup,
        Succeeded = true,
        SetName = request.SetName,
        SnapshotId = result.Snapshot.SnapshotId,
        SourcePath = request.SourcePath,
        SourceSize = result.Snapshot.SourceLength,
        StoredSize = result.Snapshot.StoredLength,
        PartCount = result.Snapshot.PartCount,
        Duration = result.Duration,
        BytesPerSecond = result.BytesPerSecond,
        Verification = $"SHA-256 {result.Snapshot.Sha256} computed while reading; all {result.Snapshot.PartCount} part(s) stored" +
            (result.Snapshot.Repository.StartsWith("onedrive:", StringComparison.OrdinalIgnoreCase)
                ? " and their OneDrive quickXorHash verified" : " and flushed to disk"),
        VerboseTail = tail,
    };

    /// <summary>A restore; of a format 2 snapshot without a "Parts" line (see <see cref="DedupBackupSucceeded"/>).</summary>
    public static OperationReport RestoreSucceeded(string setName, RestoreResult result, IReadOnlyList<string> tail) => new()
    {
        Kind = OperationKind.Restore,
        Succeeded = true,
        SetName = setName,
        SnapshotId = result.Snapshot.SnapshotId,
        SourcePath = result.Path,
        SourceSize = result.Length,
        StoredSize = result.Snapshot.StoredLength,
        PartCount = result.Snapshot.Format == 2 ? null : result.Snapshot.PartCount,
        Duration = result.Duration,
        BytesPerSecond = result.BytesPerSecond,
        Verification = (result.Snapshot.Format == 2
                ? "Every chunk authenticated"
                : $"All {result.Snapshot.PartCount} part(s) authenticated and hashed")
            + $"; whole-file SHA-256 {result.Sha256} matches the original",
        VerboseTail = tail,
    };

    /// <summary>A snapshot that failed Test-OffsiteBackup: the problems found become the error message.</summary>
    public static OperationReport VerificationFailed(VerificationResult result, string depth, TimeSpan duration) => new()
    {
        Kind = OperationKind.Verification,
        Succeeded = false,
        SetName = result.Location.Set,
        SnapshotId = result.Location.Snapshot,
        PartCount = result.PartCount,
        StoredSize = result.StoredLength,
        Duration = duration,
        Verification = $"{depth} check failed with {result.Problems.Count} problem(s)",
        ErrorId = ErrorIds.Backup.VerificationFailed,
        ErrorMessage = string.Join("; ", result.Problems),
    };

    public static OperationReport Failed(OperationKind kind, string setName, string? sourcePath, Exception error, TimeSpan duration,
        IReadOnlyList<string> tail)
    {
        var ex = error is AggregateException { InnerExceptions.Count: 1 } agg ? agg.InnerException! : error;
        return new OperationReport
        {
            Kind = kind,
            Succeeded = false,
            SetName = setName,
            SourcePath = sourcePath,
            Duration = duration,
            ErrorId = ex is OffsiteException o ? o.ErrorId : ex.GetType().Name,
            ErrorMessage = ex.Message,
            VerboseTail = tail,
        };
    }
}
