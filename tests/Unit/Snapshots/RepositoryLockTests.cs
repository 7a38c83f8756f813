using System.Text;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Locking;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Tests.OneDrive;
using Xunit;

namespace OnedriveOffsite.Tests.Snapshots;

/// <summary>The lock operations of both repositories (contract) and the lock protocol on top of them.</summary>
public sealed class RepositoryLockTests : IDisposable
{
    private readonly EngineFixture _f = new();

    public void Dispose() => _f.Dispose();

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static async Task AssertLockContract(ISnapshotRepository repo)
    {
        foreach (var scope in new[] { "set1", null })
        {
            Assert.Null(await repo.ReadLockAsync(scope, default));
            Assert.True(await repo.TryCreateLockAsync(scope, B("a"), default));
            Assert.False(await repo.TryCreateLockAsync(scope, B("b"), default));
            Assert.Equal(B("a"), await repo.ReadLockAsync(scope, default));
            Assert.False(await repo.ReplaceLockAsync(scope, B("x"), B("c"), default));
            Assert.True(await repo.ReplaceLockAsync(scope, B("a"), B("c"), default));
            Assert.Equal(B("c"), await repo.ReadLockAsync(scope, default));
            Assert.False(await repo.DeleteLockAsync(scope, B("a"), default));
            Assert.Equal(B("c"), await repo.ReadLockAsync(scope, default));
            Assert.True(await repo.DeleteLockAsync(scope, B("c"), default));
            Assert.Null(await repo.ReadLockAsync(scope, default));
            Assert.False(await repo.ReplaceLockAsync(scope, B("c"), B("d"), default));
        }
        // Racing creators: exactly one wins.
        var wins = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => repo.TryCreateLockAsync("race", B($"run {i}"), default))));
        Assert.Single(wins, w => w);
        Assert.Empty((await repo.ListSnapshotsAsync("race", default)));
    }

    [Fact]
    public Task Local_lock_operations_keep_the_contract() => AssertLockContract(_f.Repository);

    [Fact]
    public async Task OneDrive_lock_operations_keep_the_contract_on_the_emulator()
    {
        await using var od = await OneDriveFixture.StartAsync();
        await AssertLockContract(od.Repository);
        od.AssertCleanProtocol();
    }

    [Theory]
    [InlineData(OnedriveOffsite.GraphEmulator.Faults.FaultKind.CorruptOnUpload)]
    [InlineData(OnedriveOffsite.GraphEmulator.Faults.FaultKind.LostAcknowledgement)]
    public async Task A_OneDrive_lock_upload_that_is_damaged_or_loses_its_answer_still_gives_a_held_lock(OnedriveOffsite.GraphEmulator.Faults.FaultKind fault)
    {
        await using var od = await OneDriveFixture.StartAsync();
        od.Emulator.Faults.Enqueue(fault);
        await using (var held = await RepositoryLock.AcquireAsync(od.Repository, "set1", "backup", new LockOptions(), od.Observer, default))
            await held.EnsureHeldAsync(default);
        Assert.Equal(1, od.Emulator.Stats.FaultsInjected[fault.ToString()]);
        Assert.Null(await od.Repository.ReadLockAsync("set1", default));
    }

    private async Task PlantAsync(string host, int pid, DateTime refreshedUtc)
    {
        var record = new LockRecord { RunId = "planted", Host = host, ProcessId = pid, Operation = "backup", StartedUtc = refreshedUtc, RefreshedUtc = refreshedUtc };
        Assert.True(await _f.Repository.TryCreateLockAsync("set1", record.ToBytes(), default));
    }

    [Fact]
    public async Task A_second_run_fails_fast_with_SetLocked_naming_the_holder_and_stores_nothing()
    {
        await PlantAsync("nas-01", 4242, DateTime.UtcNow);
        var source = _f.WriteSource("vm.bin", EngineFixture.Random(300_000));
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => _f.BackupAsync(source));
        Assert.Equal("SetLocked", ex.ErrorId);
        Assert.Equal(OffsiteErrorCategory.ResourceUnavailable, ex.Category);
        Assert.Contains("process 4242 on nas-01", ex.Message);
        Assert.Empty(await _f.Repository.ListSnapshotsAsync("set1", default));
    }

    [Fact]
    public async Task A_lock_not_refreshed_for_longer_than_the_stale_time_is_broken_with_a_warning()
    {
        await PlantAsync("nas-01", 4242, DateTime.UtcNow - LockOptions.DefaultStaleAfter - TimeSpan.FromMinutes(1));
        var observer = new LineObserver();
        await using (var held = await RepositoryLock.AcquireAsync(_f.Repository, "set1", "backup", new LockOptions(), observer, default))
            Assert.Equal(Environment.ProcessId, LockRecord.TryParse((await _f.Repository.ReadLockAsync("set1", default))!)!.ProcessId);
        Assert.Contains("Breaking the stale lock", observer.All);
        Assert.Null(await _f.Repository.ReadLockAsync("set1", default));
    }

    [Fact]
    public async Task A_fresh_lock_of_a_process_that_no_longer_runs_on_this_host_is_broken_but_not_one_of_another_host()
    {
        await PlantAsync("this-host", 4242, DateTime.UtcNow);
        var options = new LockOptions { Host = "THIS-HOST", IsProcessRunning = (_, _) => false };
        await using (await RepositoryLock.AcquireAsync(_f.Repository, "set1", "backup", options, NullObserver.Instance, default)) { }

        await PlantAsync("far-host", 4242, DateTime.UtcNow);
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => RepositoryLock.AcquireAsync(_f.Repository, "set1", "backup", options, NullObserver.Instance, default));
        Assert.Equal("SetLocked", ex.ErrorId);
    }

    [Fact]
    public void ProcessLiveness_sees_this_process_and_not_a_finished_one()
    {
        Assert.True(ProcessLiveness.IsRunning(Environment.ProcessId, DateTime.UtcNow));
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true") { UseShellExecute = false })!;
        p.WaitForExit();
        Assert.False(ProcessLiveness.IsRunning(p.Id, DateTime.UtcNow));
        // A live process that started after the lock was taken holds a reused process id.
        using var child = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try { Assert.False(ProcessLiveness.IsRunning(child.Id, DateTime.UtcNow.AddHours(-1))); Assert.True(ProcessLiveness.IsRunning(child.Id, DateTime.UtcNow.AddMinutes(1))); }
        finally { child.Kill(); child.WaitForExit(); }
    }

    [Fact]
    public async Task With_Wait_a_second_run_waits_for_the_first_and_then_takes_the_lock()
    {
        var first = await RepositoryLock.AcquireAsync(_f.Repository, "set1", "backup", new LockOptions(), NullObserver.Instance, default);
        var waiting = new TaskCompletionSource();
        var observer = new CallbackObserver(line => { if (line.Contains("Waiting for the lock")) waiting.TrySetResult(); });
        var second = RepositoryLock.AcquireAsync(_f.Repository, "set1", "backup",
            new LockOptions { Wait = true, PollInterval = TimeSpan.FromMilliseconds(20), MaxPollInterval = TimeSpan.FromMilliseconds(50) }, observer, default);
        await waiting.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(second.IsCompleted);
        var firstRun = first.Record.RunId;
        await first.DisposeAsync();
        await using var held = await second.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEqual(firstRun, held.Record.RunId);
    }

    [Fact]
    public async Task A_holder_refreshes_its_lock_and_notices_when_another_run_took_it_over()
    {
        // The holder's refresh timer runs on a manual clock: it refreshes exactly when the test moves time, so breaking
        // the lock below never races a refresh (a refresh between reading the lock and deleting it failed the delete).
        var clock = new SteppedClock();
        var held = await RepositoryLock.AcquireAsync(_f.Repository, "set1", "backup",
            new LockOptions { RefreshInterval = TimeSpan.FromMinutes(1), Clock = clock }, NullObserver.Instance, default);
        var firstRefresh = held.Record.RefreshedUtc;
        Assert.Equal(TimeSpan.FromMinutes(1), await clock.AdvanceToNextTimerAsync());
        Assert.Equal(TimeSpan.FromMinutes(1), await clock.NextTimerAsync()); // the refresh is done: the next one waits
        Assert.Equal(firstRefresh.AddMinutes(1), held.Record.RefreshedUtc);
        await held.EnsureHeldAsync(default);

        // Someone broke it (as a stale lock) and took it; the holder notices at its next refresh.
        var current = (await _f.Repository.ReadLockAsync("set1", default))!;
        Assert.True(await _f.Repository.DeleteLockAsync("set1", current, default));
        Assert.True(await _f.Repository.TryCreateLockAsync("set1", B("{\"someone\":\"else\"}"), default));
        var lost = new TaskCompletionSource();
        held.Lost.Register(() => lost.TrySetResult());
        Assert.False(lost.Task.IsCompleted);
        clock.Advance(TimeSpan.FromMinutes(1));
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(30)); // a guard, not a timing assumption
        Assert.Equal("LockLost", (await Assert.ThrowsAsync<OffsiteException>(() => held.EnsureHeldAsync(default))).ErrorId);
        await held.DisposeAsync();
        Assert.Equal(B("{\"someone\":\"else\"}"), await _f.Repository.ReadLockAsync("set1", default)); // not released: not ours
    }

    [Fact]
    public async Task A_backup_releases_the_lock_when_it_ends_and_parts_and_manifests_never_replace_files()
    {
        var s = await _f.BackupAsync(_f.WriteSource("a.bin", EngineFixture.Random(200_000)));
        Assert.Null(await _f.Repository.ReadLockAsync("set1", default));
        var location = new SnapshotLocation(s.Set, s.SnapshotId);
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => _f.Repository.WriteManifestAsync(location, B("other"), default));
        Assert.Equal("StoredFileExists", ex.ErrorId);
        await using (var sink = await _f.Repository.CreateFileAsync(location, SnapshotFiles.PartName(0), null, default))
        {
            await sink.WriteAsync(B("other"), default);
            Assert.Equal("StoredFileExists", (await Assert.ThrowsAsync<OffsiteException>(() => sink.CompleteAsync(default))).ErrorId);
        }
        Assert.Equal(await File.ReadAllBytesAsync(_f.WriteSource("a.bin", EngineFixture.Random(200_000))), await File.ReadAllBytesAsync((await _f.RestoreAsync(s)).Path));
        Assert.Empty(Directory.GetFiles(_f.SnapshotDir(s), "*.partial"));
    }

    private sealed class CallbackObserver(Action<string> onLine) : IOperationObserver
    {
        public void Verbose(string message) => onLine(message);
        public void Warning(string message) => onLine(message);
        public void Progress(OperationProgress progress) { }
    }
}
