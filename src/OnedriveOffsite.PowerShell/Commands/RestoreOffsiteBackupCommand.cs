using System.Management.Automation;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Notifications;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Restore;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Completion;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

/// <summary>
/// <para type="synopsis">Restores a snapshot to a file, verified part by part and as a whole before it gets its name.</para>
/// </summary>
[Cmdlet(VerbsData.Restore, "OffsiteBackup", SupportsShouldProcess = true, DefaultParameterSetName = ByNameSet)]
[OutputType(typeof(OffsiteRestoreResult))]
public sealed partial class RestoreOffsiteBackupCommand : OffsiteCmdlet
{
    private const string ByNameSet = "ByName";
    private const string ByObjectSet = "BySnapshot";

    /// <summary>The backup set to restore from (its newest complete snapshot unless -SnapshotId is given).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByNameSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = LegacySet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByNameToCommandSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByNameToStreamSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SetNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>Which snapshot of the set (as Get-OffsiteBackup shows it).</summary>
    [Parameter(ParameterSetName = ByNameSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ByNameToCommandSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ByNameToStreamSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SnapshotIdCompleter))]
    public string? SnapshotId { get; set; }

    /// <summary>A snapshot from Get-OffsiteBackup.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByObjectSet, ValueFromPipeline = true)]
    [Parameter(Mandatory = true, ParameterSetName = ByObjectToCommandSet, ValueFromPipeline = true)]
    [Parameter(Mandatory = true, ParameterSetName = ByObjectToStreamSet, ValueFromPipeline = true)]
    public OffsiteSnapshot? InputObject { get; set; }

    /// <summary>A local directory, or onedrive: / onedrive:/sub/path.</summary>
    [Parameter(ParameterSetName = ByNameSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = LegacySet)]
    [Parameter(ParameterSetName = ByNameToCommandSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ByNameToStreamSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RepositoryCompleter))]
    public string? Repository { get; set; }

    /// <summary>A directory (the file keeps its original name) or a file path.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByNameSet)]
    [Parameter(Mandatory = true, ParameterSetName = ByObjectSet)]
    [Parameter(Mandatory = true, ParameterSetName = LegacySet)]
    public string Destination { get; set; } = "";

    /// <summary>Replace an existing destination file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>How many parts are restored at once (default 4).</summary>
    [Parameter(ParameterSetName = ByNameSet)]
    [Parameter(ParameterSetName = ByObjectSet)]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 4;

    /// <summary>
    /// Download bandwidth limit for all parallel transfers together: bytes per second (10MB, 1048576), 'off', or a
    /// timetable like '08:00,1M 19:00,off' (local time). Default: the one stored by Set-OffsiteApp, else none.
    /// </summary>
    [Parameter]
    public string? MaxDownloadRate { get; set; }

    /// <summary>Send no notification mail for this run, even when Set-OffsiteNotification configured one.</summary>
    [Parameter]
    public SwitchParameter NoNotification { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == LegacySet)
        {
            RestoreLegacy();
            return;
        }
        if (ParameterSetName is ByNameToCommandSet or ByObjectToCommandSet or ByNameToStreamSet or ByObjectToStreamSet)
        {
            RestoreToStream();
            return;
        }
        var set = InputObject?.Name ?? Name;
        var snapshotId = InputObject?.SnapshotId ?? SnapshotId;
        var repositorySpec = InputObject?.Repository ?? Repository;
        var destination = GetUnresolvedProviderPathFromPSPath(Destination);
        var home = Home;
        try
        {
            var repository = OpenRepository(repositorySpec, limits: BandwidthLimits(null, MaxDownloadRate));
            var key = new KeyStore(home).Load();
            var location = RunEngine((_, ct) => new SnapshotCatalog(repository, key).FindAsync(set, snapshotId, ct));
            if (!ShouldProcess(destination, $"Restore {location.Set}/{location.Snapshot}")) return;
            var result = RunEngine((observer, ct) => NotifiedRun.RunAsync(home, !NoNotification, observer,
                async (o, c) => await Engine.Dedup.SnapshotFormat.DetectAsync(repository, location, c) == 2
                    ? await new Engine.Dedup.DedupRestoreOperation(repository, key) { IndexCache = Engine.Dedup.IndexCache.In(home) }
                        .RunAsync(location, destination, Force, ThrottleLimit, o, c)
                    : await new RestoreOperation(repository, key).RunAsync(location, destination, Force, ThrottleLimit, o, c),
                (r, tail) => OperationReports.RestoreSucceeded(set, r, tail),
                (ex, duration, tail) => OperationReports.Failed(OperationKind.Restore, set, destination, ex, duration, tail), ct,
                startSummary: $"Restore of {set} started on {Environment.MachineName}: {location.Snapshot}"));
            WriteObject(RestoreResultMapper.ToOutput(result, RepositoryParameter.Resolve(this, repositorySpec), isFile: true));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            WriteOffsiteError(ex, $"{set}/{snapshotId}");
        }
    }
}
