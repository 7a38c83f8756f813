using System.Management.Automation;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Locking;
using OnedriveOffsite.Engine.Notifications;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Repositories.OneDrive;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Completion;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

/// <summary>
/// <para type="synopsis">Backs up files into a backup set as new snapshots: hashed, deduplicated, compressed, encrypted and stored.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "OffsiteBackup", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(OffsiteSnapshot))]
public sealed partial class StartOffsiteBackupCommand : OffsiteCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private const string FromCommandSet = "FromCommand";
    private const string InputStreamSet = "InputStream";
    private MasterKey? _key;
    private ISnapshotRepository? _repository;

    /// <summary>Files to back up; wildcards allowed.</summary>
    [SupportsWildcards]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true,
        ValueFromPipelineByPropertyName = true)]
    public string[]? Path { get; set; }

    /// <summary>Files to back up, taken literally (no wildcards). Get-ChildItem output binds here.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    public string[]? LiteralPath { get; set; }

    /// <summary>A command whose standard output is backed up: the program, then its arguments, as an array (no shell).</summary>
    [Parameter(Mandatory = true, ParameterSetName = FromCommandSet)]
    public string[]? FromCommand { get; set; }

    /// <summary>The directory the -FromCommand command runs in (default: the current file system location).</summary>
    [Parameter(ParameterSetName = FromCommandSet)]
    public string? WorkingDirectory { get; set; }

    /// <summary>A readable stream to back up to its end (not closed).</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputStreamSet)]
    public Stream? InputStream { get; set; }

    /// <summary>The name the stream's data gets when restored into a directory (e.g. main.dump).</summary>
    [Parameter(Mandatory = true, ParameterSetName = FromCommandSet)]
    [Parameter(Mandatory = true, ParameterSetName = InputStreamSet)]
    public string SourceName { get; set; } = "";

    /// <summary>
    /// The backup set (one folder per source, e.g. pve-101), or a script block that names each file's set, with the
    /// file as $_ (e.g. { 'pve-' + ($_.Name -split '-')[2] }). Never taken from a piped object's Name property.
    /// </summary>
    [Parameter(Mandatory = true)]
    [ArgumentCompleter(typeof(SetNameCompleter))]
    public object Name { get; set; } = "";

    /// <summary>A local directory, or onedrive: / onedrive:/sub/path.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(RepositoryCompleter))]
    public string? Repository { get; set; }

    /// <summary>
    /// Format 1: bytes of source per part (default 64 MiB to OneDrive, 256 MiB elsewhere, 32 MiB for streams; a rerun continues an
    /// interrupted run with its size). Without -Format it makes the backup format 1; with -Format 2 it fails (FormatParameterConflict).
    /// </summary>
    [Parameter]
    public long? PartSize { get; set; }

    /// <summary>OneDrive upload fragment size in bytes: a multiple of 320 KiB, below 60 MiB (default 10 MiB).</summary>
    [Parameter]
    public long FragmentSize { get; set; } = OneDriveOptions.DefaultFragmentSize;

    /// <summary>Auto (zstd unless the input is already compressed), Zstd, or None.</summary>
    [Parameter]
    public OffsiteCompression Compression { get; set; } = OffsiteCompression.Auto;

    /// <summary>How many parts are processed at once (default 4).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 4;

    /// <summary>
    /// Delete the source file once its snapshot is complete and verified (never after any failure, nor with -WhatIf).
    /// </summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    public SwitchParameter RemoveSource { get; set; }

    /// <summary>
    /// Format 1: only continue an interrupted backup of this file (fail with NothingToResume if there is none). Without it,
    /// an interrupted backup of the unchanged file is continued anyway, and a changed file starts a new snapshot. Without
    /// -Format it makes the backup format 1; with -Format 2 it fails (FormatParameterConflict).
    /// </summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    public SwitchParameter Resume { get; set; }

    /// <summary>
    /// Backup format: 2 (the default: deduplicated, only chunks the set does not hold yet are stored; docs/FORMAT.md §9)
    /// or 1 (a full copy in parts). Not given: format 1 when -PartSize or -Resume is given or an interrupted format 1
    /// backup of the same file is continued, else 2 (BackupFormatChoice).
    /// </summary>
    [Parameter]
    [ValidateSet("1", "2")]
    public int? Format { get; set; }

    /// <summary>
    /// Upload bandwidth limit for all parallel transfers together: bytes per second (10MB, 1048576), 'off', or a
    /// timetable like '08:00,1M 19:00,off' (local time). Default: the one stored by Set-OffsiteApp, else none.
    /// </summary>
    [Parameter]
    public string? MaxUploadRate { get; set; }

    /// <summary>
    /// Back up even when the set's newest snapshot was made with another key (after a deliberate key change).
    /// Without it such a run fails with KeyMismatch before anything is stored.
    /// </summary>
    [Parameter]
    public SwitchParameter AllowKeyChange { get; set; }

    /// <summary>
    /// When another run holds the set's lock (one run per set at a time), wait for it instead of failing with SetLocked.
    /// </summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Send no notification mail for this run, even when Set-OffsiteNotification configured one.</summary>
    [Parameter]
    public SwitchParameter NoNotification { get; set; }

    private bool _receivedSource;

    protected override void BeginProcessing()
    {
        // Overlaps the hash warm-up with loading the key, opening the repository, locking and loading the set's index.
        if (!MyInvocation.BoundParameters.ContainsKey("WhatIf") && MayBeFormat2()) Engine.Dedup.DedupBackupOperation.StartWarmUp();
        base.BeginProcessing();
    }

    protected override void ProcessRecord()
    {
        _receivedSource = true;
        if (ParameterSetName is FromCommandSet or InputStreamSet)
        {
            if (NameValue is ScriptBlock) { WriteOffsiteError(ScriptBlockNeedsFiles(), null); return; }
            Set = NameText;
            BackUpStream();
            return;
        }
        var literal = ParameterSetName == LiteralPathSet;
        foreach (var file in FileParameters.Resolve(this, literal ? LiteralPath : Path, literal, WriteError))
        {
            BackUp(file);
        }
    }

    /// <summary>
    /// An empty pipeline (`Get-ChildItem /dump/*.vma.zst | Start-OffsiteBackup` on a night vzdump wrote nothing) is
    /// a failure, not a quiet success: an unattended run must end with an error record and a mail.
    /// </summary>
    protected override void EndProcessing()
    {
        if (_receivedSource) return;
        var error = new OffsiteException(ErrorIds.Backup.NoSourceFile, OffsiteErrorCategory.ObjectNotFound,
            $"No file reached Start-OffsiteBackup for {NameLabel} (the pipeline was empty): nothing was backed up.", NameLabel);
        if (!NoNotification && !MyInvocation.BoundParameters.ContainsKey("WhatIf"))
            RunEngine((observer, _) => new NotificationService(Home).TrySendAsync(
                OperationReports.Failed(OperationKind.Backup, ReportName, null, error, TimeSpan.Zero, Array.Empty<string>()), observer,
                    CancellationToken.None));
        WriteOffsiteError(error, NameLabel);
    }

    private void BackUp(string file)
    {
        var home = Home;
        var started = false;
        Set = ReportName;
        try
        {
            var format = BackupFormatChoice.FromParameters(Format, PartSize is not null, Resume);
            Set = SetNameFor(file);
            var request =
                new BackupRequest(file, Set, PartSize, (CompressionMode)Compression, ThrottleLimit, RequireResume: Resume,
                AllowKeyChange: AllowKeyChange) { Lock = new LockOptions { Wait = Wait } };
            BackupOperation.Validate(request);
            var repository =
                _repository ??= OpenRepository(Repository, (int)Math.Min(int.MaxValue, FragmentSize), BandwidthLimits(MaxUploadRate, null));
            format = format.ForFile(request, ResumeJournal.For(home, repository.Description, request.SetName, file),
                () => (_key ??= new KeyStore(home).Load()).KeyId);
            if (format.Reason is { } reason) WriteVerbose(reason);
            if (!ShouldProcess(file, $"Back up to set '{Set}' in {repository.Description}"
                + (RemoveSource ? ", then remove the file" : ""))) return;
            started = true;
            if (format.Format == 2)
            {
                if (format.DropStaleJournal() is { } dropped) WriteVerbose(dropped);
                BackUpV2(home, repository, request, file);
                return;
            }
            var result = RunEngine((observer, ct) => NotifiedRun.RunAsync(home, !NoNotification, observer,
                async (o, c) =>
                {
                    var key = _key ??= new KeyStore(home).Load();
                    var backup =
                        await new BackupOperation(repository, key, ResumeJournal.For(home, repository.Description, request.SetName, file))
                        .RunAsync(request, o, c);
                    if (RemoveSource) await SourceRemoval.RemoveAsync(repository, key, backup, ThrottleLimit, o, c);
                    return backup;
                },
                (r, tail) => OperationReports.BackupSucceeded(request, r, tail),
                (ex, duration, tail) => OperationReports.Failed(OperationKind.Backup, request.SetName, file, ex, duration, tail), ct,
                startSummary: $"Backup of {request.SetName} started on {Environment.MachineName}: {file}"));
            WriteObject(SnapshotMapper.ToOutput(result.Snapshot, RepositoryParameter.Resolve(this, Repository), result.Duration));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            // Ctrl+C: the pipeline is stopping and takes no more records, so what was kept goes straight to the host.
            if (ex is BackupStoppedException) Host?.UI?.WriteWarningLine(ex.Message);
            // Bad input found before the run still tells the admin that tonight's backup did not happen.
            if (!started && !NoNotification && !MyInvocation.BoundParameters.ContainsKey("WhatIf"))
                RunEngine((observer, ct) => new NotificationService(home).TrySendAsync(
                    OperationReports.Failed(OperationKind.Backup, Set, file, ex, TimeSpan.Zero, Array.Empty<string>()), observer,
                        CancellationToken.None));
            WriteOffsiteError(ex, file);
        }
    }
}

public sealed partial class StartOffsiteBackupCommand
{
    /// <summary>Whether the parameters leave format 2 possible (then the hash warm-up is worth starting early).</summary>
    private bool MayBeFormat2()
    {
        try { return BackupFormatChoice.FromParameters(Format, PartSize is not null, Resume).Format == 2; }
        catch (OffsiteException) { return false; }
    }

    private void BackUpV2(Engine.Config.ConfigHome home, ISnapshotRepository repository, BackupRequest request, string file)
    {
        var result = RunEngine((observer, ct) => NotifiedRun.RunAsync(home, !NoNotification, observer,
            async (o, c) =>
            {
                var key = _key ??= new KeyStore(home).Load();
                var backup = await new Engine.Dedup.DedupBackupOperation(repository, key) { IndexCache = Engine.Dedup.IndexCache.In(home) }
                    .RunAsync(request, o, c);
                if (RemoveSource) await SourceRemoval.RemoveAsync(repository, key, backup, ThrottleLimit, o, c);
                return backup;
            },
            (r, tail) => OperationReports.DedupBackupSucceeded(request, r, tail),
            (ex, duration, tail) => OperationReports.Failed(OperationKind.Backup, request.SetName, file, ex, duration, tail), ct));
        WriteObject(SnapshotMapper.ToOutput(result.Snapshot, RepositoryParameter.Resolve(this, Repository), result.Duration));
    }
}

/// <summary>The -Compression values (kept in the cmdlet assembly so PowerShell resolves them without the engine).</summary>
public enum OffsiteCompression
{
    Auto = CompressionMode.Auto,
    Zstd = CompressionMode.Zstd,
    None = CompressionMode.None,
}
