using System.Management.Automation;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Notifications;
using OnedriveOffsite.Engine.Restore;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Completion;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

/// <summary>
/// <para type="synopsis">Verifies a snapshot without restoring it: quick (stored sizes and hashes against the manifest) or -Full (every
/// part downloaded, authenticated and hashed; nothing written).</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "OffsiteBackup", DefaultParameterSetName = ByNameSet)]
[OutputType(typeof(OffsiteVerification))]
public sealed class TestOffsiteBackupCommand : OffsiteCmdlet
{
    private const string ByNameSet = "ByName";
    private const string ByObjectSet = "BySnapshot";

    /// <summary>The backup set (its newest complete snapshot unless -SnapshotId is given).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByNameSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SetNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>Which snapshot of the set.</summary>
    [Parameter(ParameterSetName = ByNameSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SnapshotIdCompleter))]
    public string? SnapshotId { get; set; }

    /// <summary>A snapshot from Get-OffsiteBackup.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByObjectSet, ValueFromPipeline = true)]
    public OffsiteSnapshot? InputObject { get; set; }

    /// <summary>A local directory, or onedrive: / onedrive:/sub/path.</summary>
    [Parameter(ParameterSetName = ByNameSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RepositoryCompleter))]
    public string? Repository { get; set; }

    /// <summary>Read, authenticate and hash every part (otherwise only sizes and stored hashes are checked).</summary>
    [Parameter]
    public SwitchParameter Full { get; set; }

    /// <summary>
    /// Format 2: also read this percentage of the packs the snapshot needs (chosen at random) and check them against
    /// their recorded hash. Format 1 snapshots are then checked as with -Full.
    /// </summary>
    [Parameter]
    [ValidateRange(0.01, 100.0)]
    public double ReadDataPercent { get; set; }

    /// <summary>
    /// Download bandwidth limit (with -Full) for all parallel transfers together: bytes per second (10MB, 1048576), 'off', or a
    /// timetable like '08:00,1M 19:00,off' (local time). Default: the one stored by Set-OffsiteApp, else none.
    /// </summary>
    [Parameter]
    public string? MaxDownloadRate { get; set; }

    /// <summary>How many parts are checked at once (default 4).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 4;

    /// <summary>Send no notification mail or health-check ping for a failed check, even when configured.</summary>
    [Parameter]
    public SwitchParameter NoNotification { get; set; }

    protected override void ProcessRecord()
    {
        var set = InputObject?.Name ?? Name;
        var snapshotId = InputObject?.SnapshotId ?? SnapshotId;
        var home = Home;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var depth = Full ? VerificationDepth.Full : ReadDataPercent > 0 ? VerificationDepth.Sampled : VerificationDepth.Quick;
        try
        {
            var repository =
                OpenRepository(InputObject?.Repository ?? Repository, limits: Full ? BandwidthLimits(null, MaxDownloadRate) : null);
            var key = new KeyStore(home).Load();
            var result = RunEngine(async (observer, ct) =>
            {
                var location = await new SnapshotCatalog(repository, key).FindAsync(set, snapshotId, ct);
                if (await Engine.Dedup.SnapshotFormat.DetectAsync(repository, location, ct) == 2)
                    return await new Engine.Dedup.DedupVerifier(repository, key) { IndexCache = Engine.Dedup.IndexCache.In(home) }
                        .VerifyAsync(location, depth, ReadDataPercent, ThrottleLimit, observer, ct);
                return await new SnapshotVerifier(repository, key)
                    .VerifyAsync(location, depth == VerificationDepth.Sampled ? VerificationDepth.Full : depth, ThrottleLimit, observer,
                    ct);
            });
            WriteObject(new OffsiteVerification
            {
                Name = result.Location.Set, SnapshotId = result.Location.Snapshot, Depth = depth.ToString(), Passed = result.Passed,
                Parts = result.PartCount, StoredSize = result.StoredLength, Problems = result.Problems.ToArray(),
            });
            if (result.Passed) return;
            // A damaged snapshot is a result AND an error: scripts under $ErrorActionPreference = 'Stop' and
            // `pwsh -File` exit codes must see it, not only code that inspects Passed.
            Notify(home, OperationReports.VerificationFailed(result, depth.ToString(), clock.Elapsed));
            WriteError(new ErrorRecord(new OffsiteException(ErrorIds.Backup.VerificationFailed, OffsiteErrorCategory.InvalidData,
                    $"Snapshot {result.Location.Set}/{result.Location.Snapshot} failed its {depth} check: " +
                        $"{string.Join(" ", result.Problems)}", result.Location.Snapshot),
                ErrorIds.Backup.VerificationFailed, ErrorCategory.InvalidData, result.Location.Snapshot));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException
            && !(ex is OperationCanceledException && CancellationToken.IsCancellationRequested))
        {
            Notify(home, OperationReports.Failed(OperationKind.Verification, set, snapshotId, ex, clock.Elapsed, Array.Empty<string>()));
            WriteOffsiteError(ex, $"{set}/{snapshotId}");
        }
    }

    private void Notify(ConfigHome home, OperationReport report)
    {
        if (NoNotification) return;
        RunEngine((observer, _) => new NotificationService(home).TrySendAsync(report, observer, CancellationToken.None));
    }
}
