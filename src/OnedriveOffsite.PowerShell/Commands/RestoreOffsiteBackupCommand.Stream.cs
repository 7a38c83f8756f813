using System.Management.Automation;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Notifications;
using OnedriveOffsite.Engine.Restore;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Engine.Streams;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

/// <summary>Restore-OffsiteBackup -ToCommand / -OutputStream: into a command's standard input or a stream, no local copy.</summary>
public sealed partial class RestoreOffsiteBackupCommand
{
    private const string ByNameToCommandSet = "ByNameToCommand";
    private const string ByObjectToCommandSet = "BySnapshotToCommand";
    private const string ByNameToStreamSet = "ByNameToStream";
    private const string ByObjectToStreamSet = "BySnapshotToStream";

    /// <summary>A command that receives the restored bytes on its standard input: the program, then its arguments (no shell).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByNameToCommandSet)]
    [Parameter(Mandatory = true, ParameterSetName = ByObjectToCommandSet)]
    public string[]? ToCommand { get; set; }

    /// <summary>The directory the -ToCommand command runs in (default: the current file system location).</summary>
    [Parameter(ParameterSetName = ByNameToCommandSet)]
    [Parameter(ParameterSetName = ByObjectToCommandSet)]
    public string? WorkingDirectory { get; set; }

    /// <summary>A writable stream that receives the restored bytes (flushed, not closed).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByNameToStreamSet)]
    [Parameter(Mandatory = true, ParameterSetName = ByObjectToStreamSet)]
    public Stream? OutputStream { get; set; }

    private void RestoreToStream()
    {
        var toCommand = ToCommand is not null;
        var set = InputObject?.Name ?? Name;
        var snapshotId = InputObject?.SnapshotId ?? SnapshotId;
        var repositorySpec = InputObject?.Repository ?? Repository;
        var workingDirectory = WorkingDirectory is null ? SessionState.Path.CurrentFileSystemLocation.ProviderPath
            : GetUnresolvedProviderPathFromPSPath(WorkingDirectory);
        var label = toCommand ? $"command '{System.IO.Path.GetFileName(ToCommand![0])}'" : "the output stream";
        var home = Home;
        try
        {
            if (toCommand) CommandSink.Validate(ToCommand, workingDirectory);
            var repository = OpenRepository(repositorySpec);
            var key = new KeyStore(home).Load();
            var location = RunEngine((_, ct) => new SnapshotCatalog(repository, key).FindAsync(set, snapshotId, ct));
            if (!ShouldProcess(label, $"Restore {location.Set}/{location.Snapshot} into it")) return;
            var result = RunEngine((observer, ct) => NotifiedRun.RunAsync(home, !NoNotification, observer,
                async (o, c) =>
                {
                    Func<IByteSink> open = toCommand
                        ? () => CommandSink.Start(ToCommand!, workingDirectory, o)
                        : () => new StreamSink(OutputStream!);
                    return await Engine.Dedup.SnapshotFormat.DetectAsync(repository, location, c) == 2
                        ? await new Engine.Dedup.DedupRestoreOperation(repository, key).RunAsync(location, open, 4, o, c)
                        : await new StreamRestoreOperation(repository, key).RunAsync(location, open, o, c);
                },
                (r, tail) => OperationReports.RestoreSucceeded(set, r, tail),
                (ex, duration, tail) => OperationReports.Failed(OperationKind.Restore, set, label, ex, duration, tail), ct));
            WriteObject(RestoreResultMapper.ToOutput(result, RepositoryParameter.Resolve(this, repositorySpec), isFile: false));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            WriteOffsiteError(ex, $"{set}/{snapshotId}");
        }
    }
}
