using System.Management.Automation;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Legacy;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Infrastructure;

namespace OnedriveOffsite.Commands;

/// <summary>Restore-OffsiteBackup -Legacy: backups made by the old Python service (docs/LEGACY.md).</summary>
public sealed partial class RestoreOffsiteBackupCommand
{
    private const string LegacySet = "Legacy";

    /// <summary>Restore a backup made by the old Python service (onedrive-offsite 1.0): -Name is its OneDrive folder.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LegacySet)]
    public SwitchParameter Legacy { get; set; }

    /// <summary>The old service's key file (/etc/onedrive-offsite/onedrive-offsite.key).</summary>
    [Parameter(Mandatory = true, ParameterSetName = LegacySet)]
    public string LegacyKeyPath { get; set; } = "";

    /// <summary>The original file's SHA-256 (64 hex digits); the restore fails unless it matches.</summary>
    [Parameter(ParameterSetName = LegacySet)]
    [ValidatePattern("^[0-9A-Fa-f]{64}$")]
    public string? ExpectedSha256 { get; set; }

    /// <summary>The old service's local hash file (/etc/onedrive-offsite/sha256hash_&lt;folder&gt;).</summary>
    [Parameter(ParameterSetName = LegacySet)]
    public string? Sha256File { get; set; }

    private void RestoreLegacy()
    {
        try
        {
            if (ExpectedSha256 is not null && Sha256File is not null)
                ThrowError(ErrorIds.Legacy.ExpectedHashConflict, ErrorCategory.InvalidArgument, "Give -ExpectedSha256 or -Sha256File, not both.", Sha256File);
            if (Name.Contains('/') || Name.Contains('\\') || Name is "." or "..")
                ThrowError(ErrorIds.Legacy.InvalidLegacyName, ErrorCategory.InvalidArgument, $"'{Name}' is not a folder name of the old service's backups.", Name);
            var key = LegacyKey.Load(GetUnresolvedProviderPathFromPSPath(LegacyKeyPath));
            var expected = ExpectedSha256 ?? (Sha256File is null ? null : LegacyHashFile.Read(GetUnresolvedProviderPathFromPSPath(Sha256File)));
            var source = OpenLegacySource();
            var destination = GetUnresolvedProviderPathFromPSPath(Destination);
            if (Directory.Exists(destination)) destination = Path.Combine(destination, Name);
            if (!ShouldProcess(destination, $"Restore legacy backup '{Name}' from {source.Description}")) return;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var result = RunEngine((observer, ct) => new LegacyRestoreOperation().RunAsync(source, key, destination, expected, Force, observer, ct));
            WriteObject(RestoreResultMapper.ToOutput(result, Name, RepositoryParameter.Resolve(this, Repository), watch.Elapsed));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            WriteOffsiteError(ex, Name);
        }
    }

    private ILegacyArchiveSource OpenLegacySource()
    {
        return OpenLegacyArchives(Repository, BandwidthLimits(null, MaxDownloadRate)).OpenLegacyArchiveSource(Name);
    }
}
