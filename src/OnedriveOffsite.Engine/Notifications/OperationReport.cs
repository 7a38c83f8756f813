namespace OnedriveOffsite.Engine.Notifications;

public enum OperationKind
{
    Backup,
    Restore,
    /// <summary>Test-OffsiteBackup: mailed only when a snapshot fails its check or cannot be checked.</summary>
    Verification,
}

/// <summary>
/// What a backup or restore run tells the notification mail. The caller fills what it knows; every field but
/// <see cref="Kind"/>, <see cref="Succeeded"/> and <see cref="SetName"/> may stay empty (a run can fail before
/// it knows sizes). Nothing put here may contain a secret; the composer masks known secrets anyway.
/// </summary>
public sealed record OperationReport
{
    public required OperationKind Kind { get; init; }
    public required bool Succeeded { get; init; }
    /// <summary>The backup set name (<c>-Name</c>); it names the mail, like the old service's file name did.</summary>
    public required string SetName { get; init; }
    public string? SnapshotId { get; init; }
    public string? SourcePath { get; init; }
    public long? SourceSize { get; init; }
    public long? StoredSize { get; init; }
    public int? PartCount { get; init; }
    public TimeSpan? Duration { get; init; }
    public double? BytesPerSecond { get; init; }
    /// <summary>Human-readable verification outcome, e.g. "All 12 parts and the SHA-256 verified".</summary>
    public string? Verification { get; init; }
    public string? ErrorId { get; init; }
    public string? ErrorMessage { get; init; }
    /// <summary>The last lines of the run's verbose narrative (see <see cref="VerboseTail"/> helper class).</summary>
    public IReadOnlyList<string> VerboseTail { get; init; } = Array.Empty<string>();
    public string Host { get; init; } = Environment.MachineName;
    public DateTimeOffset FinishedAt { get; init; } = DateTimeOffset.Now;
}
