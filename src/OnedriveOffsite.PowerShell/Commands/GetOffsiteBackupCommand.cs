using System.Management.Automation;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Repositories.OneDrive;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Completion;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

/// <summary>
/// <para type="synopsis">Lists backup sets and their snapshots (complete and incomplete).</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "OffsiteBackup")]
[OutputType(typeof(OffsiteSnapshot))]
[OutputType(typeof(OffsiteLegacyBackup))]
public sealed class GetOffsiteBackupCommand : OffsiteCmdlet
{
    /// <summary>Only this backup set.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SetNameCompleter))]
    public string? Name { get; set; }

    /// <summary>A local directory, or onedrive: / onedrive:/sub/path.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(RepositoryCompleter))]
    public string? Repository { get; set; }

    /// <summary>Only the newest complete snapshot of each set.</summary>
    [Parameter]
    public SwitchParameter Latest { get; set; }

    /// <summary>List the folders of backups made by the old Python service instead.</summary>
    [Parameter]
    public SwitchParameter Legacy { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            if (Legacy)
            {
                foreach (var b in ListLegacy()) WriteObject(b);
                return;
            }
            var repository = OpenRepository(Repository);
            var store = new KeyStore(Home);
            var key = store.Exists ? store.Load() : null;
            var snapshots = RunEngine((observer, ct) => new SnapshotCatalog(repository, key, ResumeJournals.BySnapshotFolder(Home)).ListAsync(Name, ct));
            IEnumerable<SnapshotInfo> shown = snapshots;
            if (Latest)
                shown = snapshots.Where(s => s.State == SnapshotState.Complete).GroupBy(s => s.Set).Select(g => g.OrderBy(s => s.SnapshotId, StringComparer.Ordinal).Last());
            foreach (var s in shown) WriteObject(SnapshotMapper.ToOutput(s, RepositoryParameter.Resolve(this, Repository)));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            ThrowOffsiteError(ex, Name);
        }
    }

    private IEnumerable<OffsiteLegacyBackup> ListLegacy()
    {
        var root = RepositoryParameter.Resolve(this, Repository);
        var archives = OpenLegacyArchives(root);
        var found = RunEngine((_, ct) => archives.ListLegacyBackupsAsync(ct));
        return found
            .Where(b => Name is null || string.Equals(b.Name, Name, StringComparison.OrdinalIgnoreCase))
            .Select(b => new OffsiteLegacyBackup { Name = b.Name, Archives = b.ArchiveCount, StoredSize = b.StoredSize, LastModified = b.LastModified?.UtcDateTime, Repository = root });
    }
}
