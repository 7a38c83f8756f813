using OnedriveOffsite.Engine.Dedup;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Locking;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Snapshots;
using Xunit;
using F = OnedriveOffsite.Tests.Snapshots.EngineFixture;

namespace OnedriveOffsite.Tests.Dedup;

/// <summary>
/// Retention frees space in format 2 (issue 12 item 3): after snapshots are removed, the packs no remaining snapshot
/// needs are deleted, in an order that leaves the set consistent wherever the run is killed.
/// </summary>
public sealed class PackPrunerTests : IDisposable
{
    private readonly DedupFixture _f = new();

    [Fact]
    public async Task Deletes_the_packs_only_the_removed_snapshot_used_and_the_rest_restores()
    {
        var a = await _f.BackupAsync(_f.Engine.WriteSource("a.bin", F.Random(600_000, seed: 1)));
        var packsOfA = _f.Packs();
        var bContent = F.Random(600_000, seed: 2);
        var b = await _f.BackupAsync(_f.Engine.WriteSource("b.bin", bContent));
        var packsOfB = _f.Packs().Except(packsOfA).ToArray();
        Assert.NotEmpty(packsOfA);
        Assert.NotEmpty(packsOfB);
        var bytesOfA = packsOfA.Sum(p => new FileInfo(p).Length);

        await _f.Repository.DeleteSnapshotAsync(Location(a.Snapshot), default);
        var result = await PruneAsync(_f.Repository);

        Assert.NotNull(result);
        Assert.Equal(packsOfA.Length, result!.PacksDeleted);
        Assert.Equal(bytesOfA, result.BytesFreed);
        Assert.Equal(packsOfB, _f.Packs());
        Assert.Single(IndexFiles());
        Assert.Equal(bContent, await File.ReadAllBytesAsync((await _f.RestoreAsync(b.Snapshot)).Path));
        // The new index serves the next backup too: the same data again adds nothing and restores.
        var again = await _f.BackupAsync(_f.Engine.WriteSource("b2.bin", bContent));
        Assert.Equal(0, again.Manifest.Added.Chunks);
        Assert.Equal(bContent, await File.ReadAllBytesAsync((await _f.RestoreAsync(again.Snapshot, Path.Combine(_f.Engine.OutDir, "again.bin"))).Path));
    }

    [Fact]
    public async Task Keeps_a_pack_a_remaining_snapshot_still_uses_and_reports_it_partly_unused()
    {
        var content = F.Random(2_000_000, seed: 4);
        var first = await _f.BackupAsync(_f.Engine.WriteSource("data.bin", content));
        var changed = (byte[])content.Clone();
        new Random(9).NextBytes(changed.AsSpan(1_000_000, 8192));
        var second = await _f.BackupAsync(_f.Engine.WriteSource("data.bin", changed));
        var before = _f.Packs();

        await _f.Repository.DeleteSnapshotAsync(Location(first.Snapshot), default);
        var result = await PruneAsync(_f.Repository);

        Assert.NotNull(result);
        Assert.True(result!.PartlyUsedPacks >= 1, "the pack that held the replaced chunks is only partly used now");
        Assert.True(result.UnusedBytesInKeptPacks > 0);
        Assert.Subset(before.ToHashSet(), _f.Packs().ToHashSet());
        Assert.Equal(changed, await File.ReadAllBytesAsync((await _f.RestoreAsync(second.Snapshot)).Path));
    }

    [Fact]
    public async Task A_set_without_format_2_data_is_left_alone()
    {
        var v1 = await _f.Engine.BackupAsync(_f.Engine.WriteSource("v1.bin", F.Random(100_000, seed: 5)));
        Assert.Null(await PruneAsync(_f.Repository));
        Assert.Equal(SnapshotState.Complete, v1.State);
    }

    [Fact]
    public async Task Killed_at_every_step_the_set_stays_consistent_and_the_next_pruning_finishes_the_work()
    {
        var aContent = F.Random(600_000, seed: 11);
        var bContent = F.Random(600_000, seed: 12);
        var steps = 0;
        for (var killAt = 0; ; killAt++)
        {
            using var f = new DedupFixture();
            var a = await f.BackupAsync(f.Engine.WriteSource("a.bin", aContent));
            var packsOfA = f.Packs();
            var b = await f.BackupAsync(f.Engine.WriteSource("b.bin", bContent));
            var packsOfB = f.Packs().Except(packsOfA).ToArray();
            await f.Repository.DeleteSnapshotAsync(Location(a.Snapshot), default);

            var crashing = new KilledAfter(f.Repository, killAt);
            var killed = await Record.ExceptionAsync(() => PruneAsync(f, crashing));
            if (killed is null)
            {
                steps = killAt;
                break;
            }
            Assert.IsType<IOException>(killed);
            // Whatever was done so far: every index entry names a pack that exists, and the remaining snapshot restores.
            await AssertIndexNamesOnlyExistingPacksAsync(f);
            Assert.Equal(bContent, await File.ReadAllBytesAsync((await f.RestoreAsync(b.Snapshot, Path.Combine(f.Engine.OutDir, $"b-{killAt}.bin"))).Path));
            // The next removal's pruning completes the work.
            await PruneAsync(f, f.Repository);
            Assert.Equal(packsOfB, f.Packs());
            await AssertIndexNamesOnlyExistingPacksAsync(f);
            Assert.Equal(bContent, await File.ReadAllBytesAsync((await f.RestoreAsync(b.Snapshot, Path.Combine(f.Engine.OutDir, $"b-after-{killAt}.bin"))).Path));
        }
        // Every step was interrupted once: storing the new index, deleting each old index file, deleting each pack.
        Assert.True(steps >= 4, $"only {steps} destructive step(s) were found");
    }

    [Fact]
    public async Task A_snapshot_whose_manifest_cannot_be_read_stops_the_pruning_before_anything_is_deleted()
    {
        var a = await _f.BackupAsync(_f.Engine.WriteSource("a.bin", F.Random(300_000, seed: 21)));
        var b = await _f.BackupAsync(_f.Engine.WriteSource("b.bin", F.Random(300_000, seed: 22)));
        var c = await _f.BackupAsync(_f.Engine.WriteSource("c.bin", F.Random(300_000, seed: 23)));
        var manifestOfB = Path.Combine(_f.SetDir(), b.Snapshot.SnapshotId, SnapshotFiles.ManifestName);
        var bytes = await File.ReadAllBytesAsync(manifestOfB);
        bytes[^5] ^= 1;
        File.SetAttributes(manifestOfB, FileAttributes.Normal);
        await File.WriteAllBytesAsync(manifestOfB, bytes);
        await _f.Repository.DeleteSnapshotAsync(Location(a.Snapshot), default);
        var packs = _f.Packs();
        var indexes = IndexFiles();

        var error = await Assert.ThrowsAsync<OffsiteException>(() => PruneAsync(_f.Repository));

        Assert.Equal(ErrorIds.Snapshots.PruneUnsafe, error.ErrorId);
        Assert.Contains(b.Snapshot.SnapshotId, error.Message);
        Assert.Equal(packs, _f.Packs());
        Assert.Equal(indexes, IndexFiles());
        Assert.NotNull(c);
    }

    private static SnapshotLocation Location(SnapshotInfo s) => new(s.Set, s.SnapshotId);

    private string[] IndexFiles() => Directory.GetFiles(Path.Combine(_f.SetDir(), V2Layout.IndexFolder)).Order().ToArray();

    private Task<PruneResult?> PruneAsync(ISnapshotRepository repository) => PruneAsync(_f, repository);

    private static async Task<PruneResult?> PruneAsync(DedupFixture f, ISnapshotRepository repository)
    {
        await using var setLock = await RepositoryLock.AcquireAsync(repository, "set1", "remove", new LockOptions(), NullObserver.Instance, default);
        return await PackPruner.PruneAsync(repository, f.Engine.Key, "set1", setLock, NullObserver.Instance, default);
    }

    private static async Task AssertIndexNamesOnlyExistingPacksAsync(DedupFixture f)
    {
        var index = await V2Store.LoadIndexAsync(f.Repository, f.Engine.Key, "set1", default);
        var present = f.Packs().Select(Path.GetFileName).ToHashSet();
        Assert.All(index.Packs, p => Assert.Contains(p.Name, present));
    }

    public void Dispose() => _f.Dispose();
}
