using System.Management.Automation;

namespace OnedriveOffsite.Output;

/// <summary>
/// What Restore-OffsiteBackup returns: where the data went, how much, its SHA-256, whether that was verified, how long
/// it took (list view in OnedriveOffsite.Format.ps1xml). FullName and Name are the restored file's, as a FileInfo's
/// were, so `Get-FileHash $restored.FullName` keeps working; they are null for -ToCommand and -OutputStream.
/// </summary>
public sealed class OffsiteRestoreResult
{
    /// <summary>The restored file's full path, or "command 'pg_restore'" / "the output stream".</summary>
    public string Destination { get; init; } = "";
    /// <summary>The restored file's full path (null when restored into a command or stream).</summary>
    public string? FullName { get; init; }
    /// <summary>The restored file's name (null when restored into a command or stream).</summary>
    public string? Name { get; init; }
    /// <summary>Bytes restored.</summary>
    public long Length { get; init; }
    /// <summary>SHA-256 of the restored bytes (lowercase hex).</summary>
    public string Sha256 { get; init; } = "";
    /// <summary>
    /// True when the restored bytes' SHA-256 equals the one recorded at backup time (always, for a snapshot: a restore
    /// that does not match fails). -Legacy: true only with -ExpectedSha256 or -Sha256File.
    /// </summary>
    public bool Verified { get; init; }
    public TimeSpan Duration { get; init; }
    /// <summary>Restored bytes per second over the whole run, in decimal megabytes.</summary>
    public double? MBPerSecond { get; init; }
    /// <summary>The backup set (with -Legacy: the old service's folder).</summary>
    public string Set { get; init; } = "";
    /// <summary>The snapshot restored (null with -Legacy).</summary>
    public string? SnapshotId { get; init; }
    public string Repository { get; init; } = "";

    /// <summary>The file's path for file cmdlets' -LiteralPath (`$restored | Get-FileHash`); hidden from views.</summary>
    [Hidden]
    public string? PSPath => FullName;

    public override string ToString() => FullName ?? Destination;
}
