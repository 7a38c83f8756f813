using System.Management.Automation;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

/// <summary>
/// <para type="synopsis">Deletes snapshots: given ones, or by a retention rule (-KeepLast, -OlderThan).</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "OffsiteBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ByNameSet)]
[OutputType(typeof(OffsiteSnapshot))]
public sealed class RemoveOffsiteBackupCommand : OffsiteCmdlet
{
    private const string ByNameSet = "ByName";
    private const string ByObjectSet = "BySnapshot";
    private const string RetentionSet = "Retention";

    /// <summary>The backup set.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByNameSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = RetentionSet)]
    public string Name { get; set; } = "";

    /// <summary>The snapshot to delete (as Get-OffsiteBackup shows it).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByNameSet)]
    public string SnapshotId { get; set; } = "";

    /// <summary>Snapshots from Get-OffsiteBackup.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByObjectSet, ValueFromPipeline = true)]
    public OffsiteSnapshot? InputObject { get; set; }

    /// <summary>Keep this many of the newest complete snapshots of the set; delete older ones.</summary>
    [Parameter(ParameterSetName = RetentionSet)]
    [ValidateRange(0, int.MaxValue)]
    public int? KeepLast { get; set; }

    /// <summary>Delete snapshots created before this time.</summary>
    [Parameter(ParameterSetName = RetentionSet)]
    public DateTime? OlderThan { get; set; }

    /// <summary>A local directory, or onedrive: / onedrive:/sub/path.</summary>
    [Parameter(ParameterSetName = ByNameSet)]
    [Parameter(ParameterSetName = RetentionSet)]
    public string? Repository { get; set; }

    /// <summary>Delete without asking for confirmation.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Return the snapshots that were deleted.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == RetentionSet && KeepLast is null && OlderThan is null)
            ThrowError("RetentionRuleMissing", ErrorCategory.InvalidArgument, "Give -KeepLast, -OlderThan or both.", Name);
        var spec = InputObject?.Repository ?? Repository;
        try
        {
            var repository = OpenRepository(spec);
            var store = new KeyStore(Home);
            var key = store.Exists ? store.Load() : null;
            var set = InputObject?.Name ?? Name;
            var snapshots = RunEngine((_, ct) => new SnapshotCatalog(repository, key).ListAsync(set, ct));
            IEnumerable<SnapshotInfo> doomed = ParameterSetName == RetentionSet
                ? SnapshotRetention.SelectForRemoval(snapshots, KeepLast, OlderThan?.ToUniversalTime())
                : snapshots.Where(s => string.Equals(s.SnapshotId, InputObject?.SnapshotId ?? SnapshotId, StringComparison.OrdinalIgnoreCase)).ToList() is { Count: > 0 } found ? found
                : throw new Engine.Errors.OffsiteException("SnapshotNotFound", Engine.Errors.OffsiteErrorCategory.ObjectNotFound,
                    $"Set '{set}' has no snapshot '{InputObject?.SnapshotId ?? SnapshotId}'.", InputObject?.SnapshotId ?? SnapshotId);
            foreach (var s in doomed)
            {
                var what = $"{s.Set}/{s.SnapshotId} ({s.State}{(s.SourceName is null ? "" : ", " + s.SourceName)})";
                if (!ShouldProcess(what, "Delete snapshot")) continue;
                // Deleting a backup cannot be undone: ask unless -Force (scripts and scheduled tasks pass -Force).
                if (!Force && !ShouldContinue($"Delete snapshot {what}? It cannot be restored afterwards.", "Delete offsite snapshot")) continue;
                RunEngine((_, ct) => repository.DeleteSnapshotAsync(new SnapshotLocation(s.Set, s.SnapshotId), ct));
                WriteVerbose($"Deleted snapshot {what} from {repository.Description}.");
                if (PassThru) WriteObject(SnapshotMapper.ToOutput(s, RepositoryParameter.Resolve(this, spec)));
            }
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            WriteOffsiteError(ex, InputObject?.ToString() ?? Name);
        }
    }
}
