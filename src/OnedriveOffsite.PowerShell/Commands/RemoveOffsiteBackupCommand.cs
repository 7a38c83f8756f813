using System.Management.Automation;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Locking;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Completion;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

/// <summary>
/// <para type="synopsis">Deletes snapshots: given ones, or by a retention rule (-KeepLast, -KeepDaily, ..., -OlderThan).</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "OffsiteBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ByNameSet)]
[OutputType(typeof(OffsiteSnapshot))]
public sealed class RemoveOffsiteBackupCommand : OffsiteCmdlet
{
    private const string ByNameSet = "ByName";
    private const string ByObjectSet = "BySnapshot";
    private const string RetentionSet = "Retention";

    /// <summary>The backup set.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByNameSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = RetentionSet)]
    [ArgumentCompleter(typeof(SetNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>The snapshot to delete (as Get-OffsiteBackup shows it).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByNameSet)]
    [ArgumentCompleter(typeof(SnapshotIdCompleter))]
    public string SnapshotId { get; set; } = "";

    /// <summary>Snapshots from Get-OffsiteBackup.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByObjectSet, ValueFromPipeline = true)]
    public OffsiteSnapshot? InputObject { get; set; }

    /// <summary>Keep the newest N good snapshots of the set.</summary>
    [Parameter(ParameterSetName = RetentionSet)]
    public int? KeepLast { get; set; }

    /// <summary>Keep the newest snapshot of each of the last N hours that have one.</summary>
    [Parameter(ParameterSetName = RetentionSet)]
    public int? KeepHourly { get; set; }

    /// <summary>Keep the newest snapshot of each of the last N days that have one.</summary>
    [Parameter(ParameterSetName = RetentionSet)]
    public int? KeepDaily { get; set; }

    /// <summary>Keep the newest snapshot of each of the last N ISO weeks that have one.</summary>
    [Parameter(ParameterSetName = RetentionSet)]
    public int? KeepWeekly { get; set; }

    /// <summary>Keep the newest snapshot of each of the last N months that have one.</summary>
    [Parameter(ParameterSetName = RetentionSet)]
    public int? KeepMonthly { get; set; }

    /// <summary>Keep the newest snapshot of each of the last N years that have one.</summary>
    [Parameter(ParameterSetName = RetentionSet)]
    public int? KeepYearly { get; set; }

    /// <summary>Keep every snapshot created within this span before the newest good snapshot.</summary>
    [Parameter(ParameterSetName = RetentionSet)]
    public TimeSpan? KeepWithin { get; set; }

    /// <summary>Only delete snapshots created before this: a date, a TimeSpan (age) or a number of days.</summary>
    [Parameter(ParameterSetName = RetentionSet)]
    public object? OlderThan { get; set; }

    /// <summary>A local directory, or onedrive: / onedrive:/sub/path.</summary>
    [Parameter(ParameterSetName = ByNameSet)]
    [Parameter(ParameterSetName = RetentionSet)]
    [ArgumentCompleter(typeof(RepositoryCompleter))]
    public string? Repository { get; set; }

    /// <summary>When a backup holds the set's lock, wait for it to finish instead of failing with SetLocked.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Delete without asking for confirmation (same as -Confirm:$false).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Return the snapshots that were deleted.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var spec = InputObject?.Repository ?? Repository;
        var set = InputObject?.Name ?? Name;
        try
        {
            var policy = ParameterSetName == RetentionSet ? Policy() : null;
            var repository = OpenRepository(spec);
            var home = Home;
            var store = new KeyStore(home);
            // A rule decides by authenticated manifests: without the key nothing could be trusted as a good copy.
            var key = policy is not null ? store.Load() : store.Exists ? store.Load() : null;
            var catalog = new SnapshotCatalog(repository, key, ResumeJournals.BySnapshotFolder(home));
            RunEngine((_, ct) => catalog.EnsureSetExistsAsync(set, ct));
            var setLock = RunEngine((o, ct) => RepositoryLock.AcquireAsync(repository, set, "remove", new LockOptions { Wait = Wait }, Observer, ct));
            try
            {
                var snapshots = RunEngine((_, ct) => catalog.ListAsync(set, ct));
                var decisions = policy is not null ? SnapshotRetention.Decide(snapshots, policy) : ByIdentity(snapshots, set);
                var deleted = decisions.Count(d => Apply(d, repository, home, spec, setLock));
                if (deleted > 0 && key is not null) PrunePacks(repository, key, set, setLock);
            }
            finally
            {
                RunEngine((_, _) => setLock.DisposeAsync().AsTask());
            }
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            WriteOffsiteError(ex, InputObject?.ToString() ?? Name);
        }
    }

    private RetentionPolicy Policy() => new RetentionPolicy
    {
        KeepLast = KeepLast, KeepHourly = KeepHourly, KeepDaily = KeepDaily, KeepWeekly = KeepWeekly, KeepMonthly = KeepMonthly,
        KeepYearly = KeepYearly, KeepWithin = KeepWithin,
        OlderThanUtc = OlderThan is null ? null : RetentionPolicy.OlderThanFrom(OlderThan is PSObject p ? p.BaseObject : OlderThan, TimeProvider.System),
    }.Validate();

    private IReadOnlyList<RetentionDecision> ByIdentity(IReadOnlyList<SnapshotInfo> snapshots, string set)
    {
        var id = InputObject?.SnapshotId ?? SnapshotId;
        var found = snapshots.Where(s => string.Equals(s.SnapshotId, id, StringComparison.OrdinalIgnoreCase)).ToList();
        if (found.Count == 0)
            throw new Engine.Errors.OffsiteException(ErrorIds.Snapshots.SnapshotNotFound, Engine.Errors.OffsiteErrorCategory.ObjectNotFound,
                $"Set '{set}' has no snapshot '{id}'.", id);
        return found.Select(s => new RetentionDecision(s, true, "named by id")).ToList();
    }

    /// <summary>Deletes the format 2 packs that no remaining snapshot of the set needs (nothing happens for format 1 sets).</summary>
    private void PrunePacks(ISnapshotRepository repository, Engine.Crypto.MasterKey key, string set, RepositoryLock setLock)
    {
        var result = RunEngine((o, ct) => Engine.Dedup.PackPruner.PruneAsync(repository, key, set, setLock, o, ct));
        if (result is null) return;
        WriteVerbose($"Set '{set}': deleted {result.PacksDeleted} pack(s) no remaining snapshot needs ({Sizes.Format(result.BytesFreed)} freed); " +
            $"{result.PacksKept} pack(s) kept" + (result.PartlyUsedPacks > 0
                ? $", {result.PartlyUsedPacks} of them partly unused (about {Sizes.Format(result.UnusedBytesInKeptPacks)}, kept whole)."
                : "."));
    }

    /// <summary>Applies one decision; true when the snapshot was deleted.</summary>
    private bool Apply(RetentionDecision d, ISnapshotRepository repository, Engine.Config.ConfigHome home, string? spec, RepositoryLock setLock)
    {
        var s = d.Snapshot;
        var what = $"{s.Set}/{s.SnapshotId} ({s.State}{(s.SourceName is null ? "" : ", " + s.SourceName)}, {s.StoredLength} bytes)";
        if (!d.Remove)
        {
            if (!s.Authenticated && s.State == SnapshotState.Complete) WriteWarning($"{what}: {d.Reason}.");
            var line = $"Keeping {what}: {d.Reason}.";
            if (WhatIfRequested) Host.UI.WriteLine("What if: " + line); else WriteVerbose(line);
            return false;
        }
        // -Force and -Confirm:$false skip the prompt; -WhatIf still only reports.
        if (!(Force && !WhatIfRequested) && !ShouldProcess($"{what}: {d.Reason}", "Delete snapshot")) return false;
        RunEngine(async (_, ct) =>
        {
            await setLock.EnsureHeldAsync(ct).ConfigureAwait(false);
            await repository.DeleteSnapshotAsync(new SnapshotLocation(s.Set, s.SnapshotId), ct).ConfigureAwait(false);
        });
        var journals = ResumeJournals.DeleteFor(home, s.SnapshotId);
        WriteVerbose($"Deleted snapshot {what} from {repository.Description} ({d.Reason}){(journals > 0 ? " and its resume journal" : "")}.");
        if (PassThru) WriteObject(SnapshotMapper.ToOutput(s, RepositoryParameter.Resolve(this, spec)));
        return true;
    }

    private bool WhatIfRequested => MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w)
        ? w is SwitchParameter { IsPresent: true }
        : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
}
