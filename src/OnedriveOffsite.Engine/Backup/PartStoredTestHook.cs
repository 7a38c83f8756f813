namespace OnedriveOffsite.Engine.Backup;

/// <summary>
/// A test hook at a known point of a backup, so that tests of interrupted runs (kill -9 mid-upload) synchronise on
/// an event instead of racing a poller against the upload. When the environment variable
/// <see cref="Variable"/> is <c>N|path</c>, the run, once it has stored and recorded its Nth part, creates the file
/// <c>path</c> (a signal for the test) and then holds every worker until it is cancelled or killed. Unset (as it
/// always is outside the test suite), it does nothing. See tests/README.md.
/// </summary>
internal sealed class PartStoredTestHook
{
    public const string Variable = "ONEDRIVE_OFFSITE_TEST_HOLD_AFTER_PARTS";

    private readonly int _holdAfter;
    private readonly string? _signalFile;
    private int _stored;

    private PartStoredTestHook(int holdAfter, string? signalFile)
    {
        _holdAfter = holdAfter;
        _signalFile = signalFile;
    }

    public static PartStoredTestHook FromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        var separator = value?.IndexOf('|') ?? -1;
        if (value is null || separator <= 0 || !int.TryParse(value.AsSpan(0, separator), out var holdAfter) || holdAfter < 1)
            return new PartStoredTestHook(0, null);
        return new PartStoredTestHook(holdAfter, value[(separator + 1)..]);
    }

    /// <summary>Called after a part was stored and recorded in the resume journal.</summary>
    public async Task PartRecordedAsync(CancellationToken ct)
    {
        if (_signalFile is null) return;
        var stored = Interlocked.Increment(ref _stored);
        if (stored < _holdAfter) return;
        if (stored == _holdAfter) await File.WriteAllTextAsync(_signalFile, $"{stored}\n", ct).ConfigureAwait(false);
        await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
    }
}
