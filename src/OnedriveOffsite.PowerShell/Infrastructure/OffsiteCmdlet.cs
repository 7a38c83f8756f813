using System.Collections.Concurrent;
using System.Management.Automation;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Legacy;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Infrastructure;

/// <summary>
/// Base of every cmdlet: owns the cancellation source (Ctrl+C only cancels), runs engine work on a worker
/// task while the pipeline thread pumps the messages it produces (Write* may only be called from the
/// pipeline thread), and turns <see cref="OffsiteException"/> into error records with stable ids.
/// </summary>
public abstract class OffsiteCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly RelayObserver _relay = new();
    private readonly List<IDisposable> _owned = new();

    /// <summary>Overrides the config home (else ONEDRIVE_OFFSITE_HOME, else the per-user config directory).</summary>
    [Parameter]
    public string? ConfigPath { get; set; }

    protected CancellationToken CancellationToken => _cancellation.Token;

    protected ConfigHome Home => ConfigHome.Resolve(ConfigPath is null ? null : GetUnresolvedProviderPathFromPSPath(ConfigPath));

    /// <summary>
    /// An observer that stays valid for the whole command: it forwards to the pump of whichever RunEngine call is
    /// running (and drops messages in between). Long-lived engine objects (repositories) are given this one.
    /// </summary>
    protected IOperationObserver Observer => _relay;

    protected override void StopProcessing() => _cancellation.Cancel();

    /// <summary>
    /// A config home that already exists with group/other access is made owner-only (said with -Verbose), or a
    /// warning says so when this user cannot change it (<see cref="ConfigHomePermissions"/>).
    /// </summary>
    protected override void BeginProcessing()
    {
        ConfigHomePermissions.Outcome? outcome;
        try { outcome = ConfigHomePermissions.Secure(Home); }
        catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException or NotSupportedException or SessionStateException) { return; } // a bad -ConfigPath is reported by what uses it
        if (outcome is null) return;
        if (outcome.Tightened) WriteVerbose(outcome.Message);
        else WriteWarning(outcome.Message);
    }

    /// <summary>Opens the repository a -Repository value names (see <see cref="RepositoryParameter"/>); closed when the command ends.</summary>
    protected ISnapshotRepository OpenRepository(string? value, int? fragmentSize = null, Engine.IO.TransferLimits? limits = null) =>
        Own(RepositoryRegistry.Open(new RepositoryOpenRequest(Home, RepositoryParameter.Resolve(this, value), Observer, fragmentSize, limits)));

    /// <summary>The old service's archives kept where a -Repository value points (a repository capability); closed when the command ends.</summary>
    protected ILegacyArchiveStore OpenLegacyArchives(string? value, Engine.IO.TransferLimits? limits = null) =>
        Own(RepositoryRegistry.OpenLegacyArchives(new RepositoryOpenRequest(Home, RepositoryParameter.Resolve(this, value), Observer, Limits: limits)));

    /// <summary>
    /// The run's bandwidth limits: each given parameter (a rate, 'off' or a timetable), else the default stored by
    /// Set-OffsiteApp. Throws InvalidBandwidthLimit.
    /// </summary>
    protected Engine.IO.TransferLimits BandwidthLimits(string? maxUploadRate, string? maxDownloadRate)
    {
        Engine.Config.AppSettings? stored = null;
        if (maxUploadRate is null || maxDownloadRate is null)
        {
            try { stored = new Engine.Config.AppSettingsStore(Home).TryLoad(); }
            catch (Engine.Errors.OffsiteException) { stored = null; } // a corrupt file is reported by whatever needs the sign-in settings
        }
        var upload = Engine.IO.BandwidthSchedule.Parse(maxUploadRate ?? stored?.MaxUploadRate);
        var download = Engine.IO.BandwidthSchedule.Parse(maxDownloadRate ?? stored?.MaxDownloadRate);
        if (upload is not null) WriteVerbose($"Upload bandwidth limit: {upload.Text} (bytes per second, all transfers together).");
        if (download is not null) WriteVerbose($"Download bandwidth limit: {download.Text} (bytes per second, all transfers together).");
        return Engine.IO.TransferLimits.From(upload, download);
    }

    /// <summary>Disposes <paramref name="item"/> when the command ends.</summary>
    protected T Own<T>(T item) where T : class
    {
        if (item is IDisposable d) _owned.Add(d);
        return item;
    }

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
        _cancellation.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a worker thread; everything it sends to the observer (and the objects it
    /// emits) is written here, on the pipeline thread, as it happens. Engine errors are rethrown as-is.
    /// </summary>
    protected T RunEngine<T>(Func<IOperationObserver, CancellationToken, Task<T>> work)
    {
        using var queue = new BlockingCollection<Action>();
        var observer = new PumpObserver(this, queue);
        _relay.Target = observer;
        try
        {
            var task = Task.Run(() => work(observer, CancellationToken), CancellationToken);
            task.ContinueWith(_ => queue.CompleteAdding(), TaskScheduler.Default);
            // Once the pipeline is stopping (Ctrl+C) it takes no more records: the engine is cancelled and winds
            // down, and how it ended (e.g. what a stopped backup kept) is the result the caller reports.
            var stopping = false;
            void Deliver(Action action)
            {
                if (stopping) return;
                try { action(); }
                catch (PipelineStoppedException) { stopping = true; _cancellation.Cancel(); }
            }
            foreach (var action in queue.GetConsumingEnumerable()) Deliver(action);
            Deliver(observer.CompleteOpenActivities);
            return task.GetAwaiter().GetResult();
        }
        finally
        {
            _relay.Target = NullObserver.Instance;
        }
    }

    protected void RunEngine(Func<IOperationObserver, CancellationToken, Task> work) =>
        RunEngine<bool>(async (o, ct) => { await work(o, ct).ConfigureAwait(false); return true; });

    /// <summary>Writes a non-terminating error for an engine failure (per-item; -ErrorAction applies).</summary>
    protected void WriteOffsiteError(Exception exception, object? target = null) => WriteError(ErrorRecords.From(exception, target));

    /// <summary>Stops the command with a terminating error built from an engine failure.</summary>
    protected void ThrowOffsiteError(Exception exception, object? target = null) => ThrowTerminatingError(ErrorRecords.From(exception, target));

    /// <summary>Builds and throws a terminating error for bad input found in the cmdlet layer.</summary>
    protected void ThrowError(string errorId, ErrorCategory category, string message, object? target) =>
        ThrowTerminatingError(new ErrorRecord(new OffsiteException(errorId, OffsiteErrorCategory.InvalidArgument, message, target), errorId, category, target));

    /// <summary>
    /// Implements <see cref="IInteractiveObserver"/> too: sign-in instructions go to the information stream as host
    /// messages (shown like Write-Host, redirectable with 6>), and prompts read a line through the host, both on the
    /// pipeline thread. Engine code that needs the user casts the observer it was given.
    /// </summary>
    private sealed class RelayObserver : IOperationObserver
    {
        public volatile IOperationObserver Target = NullObserver.Instance;
        public void Verbose(string message) => Target.Verbose(message);
        public void Warning(string message) => Target.Warning(message);
        public void Progress(OperationProgress progress) => Target.Progress(progress);
    }

    private sealed class PumpObserver : IInteractiveObserver
    {
        private readonly OffsiteCmdlet _cmdlet;
        private readonly BlockingCollection<Action> _queue;
        private readonly ProgressThrottle _throttle = new(); // the engine decides what reaches the screen (≤ 10 records/s)
        private readonly ConcurrentDictionary<int, (string Activity, int ParentId)> _open = new();
        private readonly int _activityWidth;

        public PumpObserver(OffsiteCmdlet cmdlet, BlockingCollection<Action> queue)
        {
            _cmdlet = cmdlet;
            _queue = queue;
            _activityWidth = ActivityWidth(cmdlet);
        }

        /// <summary>
        /// The room for an activity line: PowerShell's default (minimal) progress view shows at most half the window's
        /// width, of at most 120 columns. Without a window (redirected, remoting, hosted), the engine's default.
        /// </summary>
        private static int ActivityWidth(PSCmdlet cmdlet)
        {
            try
            {
                var width = cmdlet.Host?.UI?.RawUI?.BufferSize.Width ?? 0;
                return width > 0 ? Math.Min(width, 120) / 2 : ActivityText.DefaultLength;
            }
            catch (Exception ex) when (ex is NotImplementedException or PSNotImplementedException or System.Management.Automation.Host.HostException or IOException or InvalidOperationException)
            {
                return ActivityText.DefaultLength;
            }
        }

        public void Verbose(string message) => Post(() => _cmdlet.WriteVerbose(message));

        public void Warning(string message) => Post(() => _cmdlet.WriteWarning(message));

        public void Information(string message) =>
            Post(() => _cmdlet.WriteInformation(new HostInformationMessage { Message = message }, new[] { "PSHOST" }));

        public Task<string?> ReadLineAsync(string prompt, CancellationToken cancellationToken)
        {
            var answer = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            var registration = cancellationToken.Register(() => answer.TrySetCanceled(cancellationToken));
            answer.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
            Post(() =>
            {
                if (answer.Task.IsCompleted) return;
                try
                {
                    _cmdlet.Host.UI.Write(prompt + ": ");
                    answer.TrySetResult(_cmdlet.Host.UI.ReadLine());
                }
                catch (Exception ex) when (ex is PSInvalidOperationException or NotImplementedException or System.Management.Automation.Host.HostException)
                {
                    answer.TrySetResult(null); // non-interactive host: the engine reports InteractiveInputRequired
                }
                catch (Exception ex)
                {
                    answer.TrySetException(ex);
                }
            });
            return answer.Task;
        }

        public void Progress(OperationProgress p)
        {
            // One at a time, so an activity's records are queued in the order the throttle chose them (a late update
            // can never follow its completion and reopen the bar).
            lock (_throttle)
            {
                foreach (var shown in _throttle.Offer(p))
                {
                    var record = ProgressRecords.From(shown, _activityWidth);
                    if (shown.Completed) _open.TryRemove(shown.Id, out _);
                    else _open[shown.Id] = (record.Activity, shown.ParentId);
                    Post(() => _cmdlet.WriteProgress(record));
                }
            }
        }

        /// <summary>Closes every activity the engine left open (a failure mid-run), so no bar lingers.</summary>
        public void CompleteOpenActivities()
        {
            foreach (var (id, state) in _open.OrderByDescending(kv => kv.Key))
            {
                _cmdlet.WriteProgress(new ProgressRecord(id, state.Activity, "Done") { RecordType = ProgressRecordType.Completed, ParentActivityId = state.ParentId });
            }
            _open.Clear();
        }

        private void Post(Action action)
        {
            try { _queue.Add(action); }
            catch (InvalidOperationException) { /* the run has ended; late messages are dropped */ }
        }
    }
}
