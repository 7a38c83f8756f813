using OnedriveOffsite.Engine.Notifications;

namespace OnedriveOffsite.Engine.Backup;

/// <summary>
/// A file backup stopped by its caller (Ctrl+C): still an <see cref="OperationCanceledException"/>, with a one-line
/// message saying what was kept and that rerunning the same command continues it.
/// </summary>
public sealed class BackupStoppedException : OperationCanceledException
{
    public BackupStoppedException(string message, OperationCanceledException inner) : base(message, inner, inner.CancellationToken) { }

    internal static BackupStoppedException Describe(int keptParts, int allParts, long keptBytes, long sourceLength, string snapshot,
        bool resumable, OperationCanceledException inner) =>
        new(resumable
                ? $"Stopped: {keptParts} of {allParts} part(s) ({NotificationComposer.FormatSize(keptBytes, exact: false)} of " +
                  $"{NotificationComposer.FormatSize(sourceLength, exact: false)}) are stored in {snapshot} and kept; " +
                  "run the same command again to continue from there."
                : $"Stopped: {keptParts} of {allParts} part(s) were stored in {snapshot}, which stays incomplete " +
                  "(Remove-OffsiteBackup or retention removes it).",
            inner);
}
