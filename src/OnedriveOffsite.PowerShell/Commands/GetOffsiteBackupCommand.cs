using System.Management.Automation;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

/// <summary>
/// <para type="synopsis">Lists backup sets and their snapshots (complete and incomplete).</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "OffsiteBackup")]
[OutputType(typeof(OffsiteSnapshot))]
public sealed class GetOffsiteBackupCommand : OffsiteCmdlet
{
    /// <summary>Only this backup set.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? Name { get; set; }

    /// <summary>A local directory, or onedrive: / onedrive:/sub/path.</summary>
    [Parameter]
    public string? Repository { get; set; }

    /// <summary>Only the newest complete snapshot of each set.</summary>
    [Parameter]
    public SwitchParameter Latest { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var repository = RepositoryParameter.Open(this, Repository);
            var store = new KeyStore(Home);
            var key = store.Exists ? store.Load() : null;
            var snapshots = RunEngine((observer, ct) => new SnapshotCatalog(repository, key).ListAsync(Name, ct));
            IEnumerable<SnapshotInfo> shown = snapshots;
            if (Latest)
                shown = snapshots.Where(s => s.State == SnapshotState.Complete).GroupBy(s => s.Set).Select(g => g.OrderBy(s => s.SnapshotId, StringComparer.Ordinal).Last());
            foreach (var s in shown) WriteObject(SnapshotMapper.ToOutput(s));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            ThrowOffsiteError(ex, Name);
        }
    }
}
