using System.Management.Automation;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Notifications;
using OnedriveOffsite.Engine.Streams;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

public sealed partial class StartOffsiteBackupCommand
{
    /// <summary>-FromCommand / -InputStream: the stream is read once, held in memory part by part, never spooled to disk.</summary>
    private void BackUpStream()
    {
        var fromCommand = ParameterSetName == FromCommandSet;
        var partSize = PartSize ?? StreamBackupRequest.DefaultPartSize;
        var request =
            new StreamBackupRequest(Set, SourceName, partSize, (CompressionMode)Compression,
            ThrottleLimit) { Lock = new Engine.Locking.LockOptions { Wait = Wait }, AllowKeyChange = AllowKeyChange };
        var workingDirectory = WorkingDirectory is null ? SessionState.Path.CurrentFileSystemLocation.ProviderPath
            : GetUnresolvedProviderPathFromPSPath(WorkingDirectory);
        var label = fromCommand ? $"command '{System.IO.Path.GetFileName(FromCommand![0])}'" : "the input stream";
        var home = Home;
        var started = false;
        try
        {
            var format = BackupFormatChoice.FromParameters(Format, PartSize is not null, resume: false);
            if (format.Reason is { } reason) WriteVerbose(reason);
            StreamBackupOperation.Validate(request);
            if (fromCommand) CommandSource.Validate(FromCommand, workingDirectory);
            var repository = _repository ??= OpenRepository(Repository, (int)Math.Min(int.MaxValue, FragmentSize));
            if (!ShouldProcess(label,
                $"Run it and back up its output as '{SourceName}' to set '{Set}' in {repository.Description}")) return;
            started = true;
            if (format.Format == 2)
            {
                BackUpStreamV2(home, repository, request, fromCommand, workingDirectory, label);
                return;
            }
            var result = RunEngine((observer, ct) => NotifiedRun.RunAsync(home, !NoNotification, observer,
                (o, c) =>
                {
                    var key = _key ??= new KeyStore(home).Load();
                    return new StreamBackupOperation(repository, key)
                        .RunAsync(request, StreamOpener(fromCommand, workingDirectory, o), fromCommand ? "command" : "stream", o, c);
                },
                (r, tail) => OperationReports.BackupSucceeded(new BackupRequest(label, Set), r, tail),
                (ex, duration, tail) => OperationReports.Failed(OperationKind.Backup, Set, label, ex, duration, tail), ct));
            WriteObject(SnapshotMapper.ToOutput(result.Snapshot, RepositoryParameter.Resolve(this, Repository), result.Duration));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            if (!started && !NoNotification && !MyInvocation.BoundParameters.ContainsKey("WhatIf"))
                RunEngine((observer, ct) => new NotificationService(home).TrySendAsync(
                    OperationReports.Failed(OperationKind.Backup, Set, label, ex, TimeSpan.Zero, Array.Empty<string>()), observer,
                        CancellationToken.None));
            WriteOffsiteError(ex, label);
        }
    }

    private void BackUpStreamV2(Engine.Config.ConfigHome home, Engine.Repositories.ISnapshotRepository repository,
        StreamBackupRequest request, bool fromCommand, string workingDirectory, string label)
    {
        var result = RunEngine((observer, ct) => NotifiedRun.RunAsync(home, !NoNotification, observer,
            (o, c) =>
            {
                var key = _key ??= new KeyStore(home).Load();
                return new Engine.Dedup.DedupBackupOperation(repository, key) { IndexCache = Engine.Dedup.IndexCache.In(home) }
                    .RunStreamAsync(request, StreamOpener(fromCommand, workingDirectory, o), fromCommand ? "command" : "stream", o, c);
            },
            (r, tail) => OperationReports.DedupBackupSucceeded(new BackupRequest(label, Set), r, tail),
            (ex, duration, tail) => OperationReports.Failed(OperationKind.Backup, Set, label, ex, duration, tail), ct));
        WriteObject(SnapshotMapper.ToOutput(result.Snapshot, RepositoryParameter.Resolve(this, Repository), result.Duration));
    }

    /// <summary>Starts the stream's source when the engine asks for it: the command (-FromCommand) or the script's stream.</summary>
    private Func<IByteSource> StreamOpener(bool fromCommand, string workingDirectory, Engine.Progress.IOperationObserver observer) =>
        fromCommand
            ? () => CommandSource.Start(FromCommand!, workingDirectory, observer)
            : () => new StreamSource(InputStream!);
}
