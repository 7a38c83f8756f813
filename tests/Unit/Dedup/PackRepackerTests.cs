using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Dedup;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Locking;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Tests.OneDrive;
using Xunit;
using F = OnedriveOffsite.Tests.Snapshots.EngineFixture;

namespace OnedriveOffsite.Tests.Dedup;

/// <summary>
/// Optimize-OffsiteRepository's engine (docs/FORMAT.md §9.9b): packs a removed snapshot left partly unused are
/// rewritten, so retention frees their space too; the remaining snapshots restore bit for bit, and a run killed at any
/// step leaves a set that restores and that the next run finishes.
/// </summary>
public sealed class PackRepackerTests : IDisposable
{
    private const string Set = "set1";
    private readonly DedupFixture _f = new();

    /// <summary>
    /// Two files that share every other stretch (of random lengths): once the first one's snapshot is removed, every
    /// pack of its data is partly needed by the second one, to a different degree each.
    /// </summary>
    private static (byte[] Removed, byte[] Kept) SharingStretches(int length, int seed, bool compressible = false)
    {
        var shared = compressible ? Sixteen(F.Random(length, seed)) : F.Random(length, seed);
        var own = F.Random(length, seed + 1000);
        var other = F.Random(length, seed + 2000);
        var removed = new byte[length];
        var kept = new byte[length];
        var random = new Random(seed);
        for (var at = 0; at < length;)
        {
            var n = Math.Min(length - at, random.Next(6_000, 90_000));
            var isShared = at == 0 || random.Next(3) > 0;
            Array.Copy(isShared ? shared : own, at, removed, at, n);
            Array.Copy(isShared ? shared : other, at, kept, at, n);
            at += n;
        }
        return (removed, kept);
    }

    /// <summary>Random bytes made compressible (about half), without repeating (so they do not deduplicate).</summary>
    private static byte[] Sixteen(byte[] random)
    {
        for (var i = 0; i < random.Length; i++) random[i] = (byte)('a' + (random[i] & 15));
        return random;
    }

    /// <summary>Backs up both files of <see cref="SharingStretches"/> and deletes the first snapshot (no pruning).</summary>
    private static async Task<(SnapshotInfo Kept, byte[] Content)> PartlyUsedSetAsync(ISnapshotRepository repository, MasterKey key, F engine, int length = 1_200_000, int seed = 1)
    {
        var (removedContent, keptContent) = SharingStretches(length, seed);
        var removed = await BackupAsync(repository, key, engine.WriteSource($"removed-{seed}.bin", removedContent));
        var kept = await BackupAsync(repository, key, engine.WriteSource($"kept-{seed}.bin", keptContent));
        await repository.DeleteSnapshotAsync(new SnapshotLocation(Set, removed.SnapshotId), default);
        return (kept, keptContent);
    }

    private static async Task<SnapshotInfo> BackupAsync(ISnapshotRepository repository, MasterKey key, string path) =>
        (await new DedupBackupOperation(repository, key, DedupFixture.PackSize, DedupFixture.Average)
            .RunAsync(new BackupRequest(path, Set), NullObserver.Instance, default)).Snapshot;

    private static async Task<byte[]> RestoreAsync(ISnapshotRepository repository, MasterKey key, SnapshotInfo s, string destination)
    {
        var result = await new DedupRestoreOperation(repository, key).RunAsync(new SnapshotLocation(s.Set, s.SnapshotId), destination, false, 4, NullObserver.Instance, default);
        return await File.ReadAllBytesAsync(result.Path);
    }

    private static async Task<(RepackPlan? Plan, RepackResult? Result)> OptimizeAsync(ISnapshotRepository repository, MasterKey key, double maxUnusedPercent = PackRepacker.DefaultMaxUnusedPercent,
        ISnapshotRepository? through = null)
    {
        through ??= repository;
        await using var setLock = await RepositoryLock.AcquireAsync(repository, Set, "optimize", new LockOptions(), NullObserver.Instance, default);
        var plan = await PackRepacker.PlanAsync(through, key, Set, maxUnusedPercent, default);
        if (plan is null) return (null, null);
        return (plan, await PackRepacker.ApplyAsync(through, key, plan, setLock, NullObserver.Instance, default, DedupFixture.PackSize));
    }

    /// <summary>
    /// The test's own account of each pack named by the index: the share (0..1) of its bytes that no remaining
    /// snapshot needs, and the stored bytes of the chunks they need, from the chunk ids of every remaining chunk list
    /// (not from the code under test's bookkeeping).
    /// </summary>
    private static async Task<Dictionary<string, (double Share, long Used, long Unused)>> UnusedSharesAsync(ISnapshotRepository repository, MasterKey key)
    {
        var index = await V2Store.LoadIndexAsync(repository, key, Set, default);
        var needed = new HashSet<ChunkId>();
        foreach (var folder in await repository.ListSnapshotsAsync(Set, default))
        {
            var bytes = await repository.ReadManifestAsync(folder.Location, default);
            if (bytes is null) continue;
            var manifest = V2ManifestCodec.Decode(bytes, key, folder.Location);
            await using var list = await repository.OpenReadAsync(folder.Location, V2Layout.ChunkListName, default);
            await foreach (var chunk in ChunkListReader.ReadAsync(list, key, manifest, "test", default)) needed.Add(chunk.Id);
        }
        var used = new long[index.Packs.Count];
        foreach (var (id, location) in index.Chunks)
            if (needed.Contains(id)) used[location.Pack] += location.StoredLength;
        return Enumerable.Range(0, index.Packs.Count).ToDictionary(p => index.Packs[p].Name,
            p => ((index.Packs[p].Length - V2Header.Size - used[p]) / (double)index.Packs[p].Length, used[p], index.Packs[p].Length - V2Header.Size - used[p]));
    }

    private static string[] Names(IEnumerable<string> paths) => paths.Select(Path.GetFileName).Order().ToArray()!;

    private long StoredBytes() => Directory.GetFiles(Path.Combine(_f.SetDir(), V2Layout.PacksFolder)).Concat(IndexFiles()).Sum(p => new FileInfo(p).Length);

    private string[] IndexFiles(DedupFixture? f = null) => Directory.GetFiles(Path.Combine((f ?? _f).SetDir(), V2Layout.IndexFolder)).Order().ToArray();

    [Theory]
    [InlineData(0)]
    [InlineData(25)]
    [InlineData(60)]
    [InlineData(100)]
    public async Task Rewrites_exactly_the_packs_above_the_threshold_and_keeps_the_others_untouched(double threshold)
    {
        var (kept, content) = await PartlyUsedSetAsync(_f.Repository, _f.Engine.Key, _f.Engine);
        var shares = await UnusedSharesAsync(_f.Repository, _f.Engine.Key);
        var unneeded = shares.Where(s => s.Value.Used == 0).Select(s => s.Key).ToHashSet();
        var expectRewritten = shares.Where(s => s.Value.Used > 0 && s.Value.Share * 100 > threshold).Select(s => s.Key).ToHashSet();
        var expectKept = shares.Keys.Except(expectRewritten).Except(unneeded).ToHashSet();
        Assert.True(shares.Values.Count(v => v.Share is > 0.05 and < 0.95) >= 3, "the scenario makes several partly used packs");
        Assert.True(shares.Values.Select(v => v.Share).Distinct().Count() >= 5, "the partly used packs differ in how much they use");
        var before = Names(_f.Packs());

        var (plan, result) = await OptimizeAsync(_f.Repository, _f.Engine.Key, threshold);

        Assert.NotNull(plan);
        Assert.Equal(expectRewritten.Count, plan!.PacksToRewrite);
        Assert.Equal(expectRewritten.Count, result!.PacksRewritten);
        var after = Names(_f.Packs());
        Assert.Subset(after.ToHashSet(), expectKept);
        Assert.Empty(after.Intersect(expectRewritten));
        Assert.Empty(after.Intersect(unneeded));
        var added = after.Except(before).ToArray();
        Assert.Equal(result.PacksWritten, added.Length);
        Assert.Equal(expectKept.Count + added.Length, after.Length);
        if (expectRewritten.Count == 0) Assert.Empty(added);
        Assert.Equal(content, await RestoreAsync(_f.Repository, _f.Engine.Key, kept, Path.Combine(_f.Engine.OutDir, $"kept-{threshold}.bin")));
    }

    [Fact]
    public async Task Frees_the_unused_space_of_partly_used_packs_and_leaves_one_index_and_nothing_more_to_do()
    {
        var (kept, content) = await PartlyUsedSetAsync(_f.Repository, _f.Engine.Key, _f.Engine);
        var bytesBefore = StoredBytes();
        var sharesBefore = await UnusedSharesAsync(_f.Repository, _f.Engine.Key);

        var (_, result) = await OptimizeAsync(_f.Repository, _f.Engine.Key);

        Assert.True(result!.PacksRewritten >= 3);
        Assert.Equal(bytesBefore, result.StoredBytesBefore);
        Assert.Equal(StoredBytes(), result.StoredBytesAfter);
        var unusedBefore = sharesBefore.Values.Sum(v => v.Unused);
        var unusedAfter = (await UnusedSharesAsync(_f.Repository, _f.Engine.Key)).Values.Sum(v => v.Unused);
        Assert.True(result.BytesFreed >= unusedBefore - unusedAfter - 64 * result.PacksWritten - 16_384,
            $"freed {result.BytesFreed}, while the unused bytes went from {unusedBefore} to {unusedAfter}");
        Assert.True(unusedAfter < unusedBefore / 4, $"{unusedAfter} unused bytes are left of {unusedBefore}");
        Assert.Single(IndexFiles());
        // Every pack now holds only needed chunks, or at most the threshold unused; the same run again finds nothing to do.
        Assert.All((await UnusedSharesAsync(_f.Repository, _f.Engine.Key)).Values, v => Assert.True(v.Share * 100 <= PackRepacker.DefaultMaxUnusedPercent, $"{v.Share:P1} unused"));
        Assert.Contains(sharesBefore.Values, v => v.Share * 100 > PackRepacker.DefaultMaxUnusedPercent);
        var (again, _) = await OptimizeAsync(_f.Repository, _f.Engine.Key);
        Assert.False(again!.HasWork);
        Assert.Equal(content, await RestoreAsync(_f.Repository, _f.Engine.Key, kept, Path.Combine(_f.Engine.OutDir, "kept.bin")));
        // The new index serves the next backup: the same data again adds nothing, and restores.
        var same = await _f.BackupAsync(_f.Engine.WriteSource("same.bin", content));
        Assert.Equal(0, same.Manifest.Added.Chunks);
        Assert.Equal(content, await File.ReadAllBytesAsync((await _f.RestoreAsync(same.Snapshot, Path.Combine(_f.Engine.OutDir, "same.bin"))).Path));
    }

    [Fact]
    public async Task New_packs_hold_the_moved_records_as_they_were_stored_and_stay_within_the_pack_size()
    {
        var (removedContent, keptContent) = SharingStretches(900_000, 5, compressible: true);
        var removed = await _f.BackupAsync(_f.Engine.WriteSource("r.bin", removedContent));
        var kept = await _f.BackupAsync(_f.Engine.WriteSource("k.bin", keptContent));
        await _f.Repository.DeleteSnapshotAsync(new SnapshotLocation(Set, removed.Snapshot.SnapshotId), default);
        var before = Names(_f.Packs());

        var (plan, result) = await OptimizeAsync(_f.Repository, _f.Engine.Key, 0);

        var added = _f.Packs().Where(p => !before.Contains(Path.GetFileName(p))).ToArray();
        Assert.Equal(result!.PacksWritten, added.Length);
        Assert.True(added.Length >= 2);
        Assert.All(added, p => Assert.InRange(new FileInfo(p).Length, V2Header.Size + 1, DedupFixture.PackSize + 4 * DedupFixture.Average + 64));
        // Each moved record keeps its codec and payload (compressed text stays compressed): the new packs are exactly
        // the moved records' stored bytes plus one header each.
        var storedInNew = added.Sum(p => new FileInfo(p).Length);
        Assert.Equal(plan!.BytesToMove + added.Length * V2Header.Size, storedInNew);
        var index = await V2Store.LoadIndexAsync(_f.Repository, _f.Engine.Key, Set, default);
        var addedNames = Names(added).ToHashSet();
        var plainInNew = index.Chunks.Where(c => addedNames.Contains(index.Packs[c.Value.Pack].Name)).Sum(c => (long)c.Value.PlainLength);
        Assert.True(storedInNew < plainInNew * 0.8, $"{storedInNew} bytes stored for {plainInNew} plain: the compressible chunks stayed compressed");
        Assert.Equal(keptContent, await File.ReadAllBytesAsync((await _f.RestoreAsync(kept.Snapshot)).Path));
    }

    [Fact]
    public async Task Killed_at_every_step_every_remaining_snapshot_restores_and_the_next_run_finishes_the_work()
    {
        var completed = new List<string>();
        for (var killAt = 0; ; killAt++)
        {
            using var f = new DedupFixture();
            var (kept, content) = await PartlyUsedSetAsync(f.Repository, f.Engine.Key, f.Engine, 800_000, seed: 7);
            var through = new KilledAfter(f.Repository, killAt);
            var killed = await Record.ExceptionAsync(() => OptimizeAsync(f.Repository, f.Engine.Key, through: through));
            if (killed is null)
            {
                completed = through.Done;
                break;
            }
            Assert.IsType<IOException>(killed);
            // Whatever was done so far: every index entry names a pack that exists, and the remaining snapshot restores.
            await AssertIndexNamesOnlyExistingPacksAsync(f);
            Assert.Equal(content, await RestoreAsync(f.Repository, f.Engine.Key, kept, Path.Combine(f.Engine.OutDir, $"k-{killAt}.bin")));
            // A removal's pruning cleans up what the killed run left (no pack the index does not name) ...
            await using (var setLock = await RepositoryLock.AcquireAsync(f.Repository, Set, "remove", new LockOptions(), NullObserver.Instance, default))
                await PackPruner.PruneAsync(f.Repository, f.Engine.Key, Set, setLock, NullObserver.Instance, default);
            await AssertIndexNamesExactlyThePacksAsync(f);
            Assert.Equal(content, await RestoreAsync(f.Repository, f.Engine.Key, kept, Path.Combine(f.Engine.OutDir, $"k-pruned-{killAt}.bin")));
            // ... and the next optimize completes the work: one index, no pack it does not name, nothing more to do.
            var (_, next) = await OptimizeAsync(f.Repository, f.Engine.Key);
            Assert.NotNull(next);
            Assert.Single(IndexFiles(f));
            await AssertIndexNamesExactlyThePacksAsync(f);
            var (again, _) = await OptimizeAsync(f.Repository, f.Engine.Key);
            Assert.False(again!.HasWork, $"killed before change {killAt}: a second run still had work");
            Assert.Equal(content, await RestoreAsync(f.Repository, f.Engine.Key, kept, Path.Combine(f.Engine.OutDir, $"k-after-{killAt}.bin")));
        }
        // Every step was interrupted once (the loop ran until a run needed no more), and the steps were of every kind:
        // storing a new pack, the new index, deleting an old index file and an old pack. (How many there are depends on
        // where the key's secret gear table cuts chunks, so the count itself is not fixed.)
        var log = string.Join(", ", completed);
        Assert.Contains(completed, c => c.StartsWith("create ", StringComparison.Ordinal) && c.EndsWith(V2Layout.PackExtension, StringComparison.Ordinal));
        Assert.Contains(completed, c => c.StartsWith("create ", StringComparison.Ordinal) && c.EndsWith(V2Layout.IndexExtension, StringComparison.Ordinal));
        Assert.Contains(completed, c => c.StartsWith("delete ", StringComparison.Ordinal) && c.EndsWith(V2Layout.IndexExtension, StringComparison.Ordinal));
        Assert.Contains(completed, c => c.StartsWith("delete ", StringComparison.Ordinal) && c.EndsWith(V2Layout.PackExtension, StringComparison.Ordinal));
        Assert.True(completed.Count >= 5, $"only {completed.Count} change(s): {log}");
    }

    [Fact]
    public async Task A_damaged_index_file_stops_it_before_anything_changes()
    {
        await PartlyUsedSetAsync(_f.Repository, _f.Engine.Key, _f.Engine, 400_000, seed: 9);
        var indexFile = IndexFiles()[0];
        var bytes = await File.ReadAllBytesAsync(indexFile);
        bytes[^3] ^= 1;
        await File.WriteAllBytesAsync(indexFile, bytes);
        var packs = _f.Packs();
        var indexes = IndexFiles();

        var error = await Assert.ThrowsAsync<OffsiteException>(() => OptimizeAsync(_f.Repository, _f.Engine.Key));

        Assert.Equal("IndexCorrupt", error.ErrorId);
        Assert.Equal(packs, _f.Packs());
        Assert.Equal(indexes, IndexFiles());
    }

    [Fact]
    public async Task The_index_and_packs_it_writes_are_authenticated_like_a_backups()
    {
        var (kept, _) = await PartlyUsedSetAsync(_f.Repository, _f.Engine.Key, _f.Engine, 400_000, seed: 10);
        var before = Names(_f.Packs());
        await OptimizeAsync(_f.Repository, _f.Engine.Key);
        var newPack = _f.Packs().First(p => !before.Contains(Path.GetFileName(p)));
        var index = Assert.Single(IndexFiles());

        var packBytes = await File.ReadAllBytesAsync(newPack);
        packBytes[V2Header.Size + 40] ^= 1;
        await File.WriteAllBytesAsync(newPack, packBytes);
        var packError = await Assert.ThrowsAsync<OffsiteException>(() => RestoreAsync(_f.Repository, _f.Engine.Key, kept, Path.Combine(_f.Engine.OutDir, "a.bin")));
        Assert.Equal("PackCorrupt", packError.ErrorId);
        Assert.Contains(Path.GetFileName(newPack), packError.Message);

        packBytes[V2Header.Size + 40] ^= 1;
        await File.WriteAllBytesAsync(newPack, packBytes);
        var indexBytes = await File.ReadAllBytesAsync(index);
        indexBytes[V2Header.Size + 10] ^= 1;
        await File.WriteAllBytesAsync(index, indexBytes);
        var indexError = await Assert.ThrowsAsync<OffsiteException>(() => RestoreAsync(_f.Repository, _f.Engine.Key, kept, Path.Combine(_f.Engine.OutDir, "b.bin")));
        Assert.Equal("IndexCorrupt", indexError.ErrorId);
        Assert.Empty(_f.Engine.OutputFiles());
    }

    [Fact]
    public async Task A_snapshot_whose_manifest_cannot_be_read_stops_it_before_anything_changes()
    {
        var (kept, _) = await PartlyUsedSetAsync(_f.Repository, _f.Engine.Key, _f.Engine, 400_000, seed: 11);
        var manifest = Path.Combine(_f.SetDir(), kept.SnapshotId, SnapshotFiles.ManifestName);
        var bytes = await File.ReadAllBytesAsync(manifest);
        bytes[^5] ^= 1;
        File.SetAttributes(manifest, FileAttributes.Normal);
        await File.WriteAllBytesAsync(manifest, bytes);
        var packs = _f.Packs();

        var error = await Assert.ThrowsAsync<OffsiteException>(() => OptimizeAsync(_f.Repository, _f.Engine.Key));

        Assert.Equal(ErrorIds.Snapshots.PruneUnsafe, error.ErrorId);
        Assert.Contains(kept.SnapshotId, error.Message);
        Assert.Equal(packs, _f.Packs());
    }

    [Fact]
    public async Task A_set_without_format_2_data_has_nothing_to_optimize()
    {
        await _f.Engine.BackupAsync(_f.Engine.WriteSource("v1.bin", F.Random(100_000, seed: 12)));
        var (plan, result) = await OptimizeAsync(_f.Repository, _f.Engine.Key);
        Assert.Null(plan);
        Assert.Null(result);
    }

    [Fact]
    public async Task Works_the_same_on_OneDrive()
    {
        await using var od = await OneDriveFixture.StartAsync();
        await AssertOptimizesAsync(od.Repository, od.Key, _f.Engine);
        od.AssertCleanProtocol();
    }

    private static async Task AssertOptimizesAsync(ISnapshotRepository repository, MasterKey key, F engine)
    {
        var (kept, content) = await PartlyUsedSetAsync(repository, key, engine, 600_000, seed: 13);
        var (_, result) = await OptimizeAsync(repository, key);
        Assert.True(result!.PacksRewritten > 0);
        Assert.True(result.BytesFreed > 0);
        Assert.Single(await repository.ListFilesAsync(V2Layout.Index(Set), default));
        var stored = (await repository.ListFilesAsync(V2Layout.Packs(Set), default)).Concat(await repository.ListFilesAsync(V2Layout.Index(Set), default)).Sum(f => f.Length);
        Assert.Equal(stored, result.StoredBytesAfter);
        var (again, _) = await OptimizeAsync(repository, key);
        Assert.False(again!.HasWork);
        Assert.Equal(content, await RestoreAsync(repository, key, kept, Path.Combine(engine.OutDir, $"{repository.Description.Length}-{Guid.NewGuid():N}.bin")));
    }

    private static async Task AssertIndexNamesExactlyThePacksAsync(DedupFixture f)
    {
        var index = await V2Store.LoadIndexAsync(f.Repository, f.Engine.Key, Set, default);
        Assert.Equal(index.Packs.Select(p => p.Name).Order(), Names(f.Packs()));
    }

    private static async Task AssertIndexNamesOnlyExistingPacksAsync(DedupFixture f)
    {
        var index = await V2Store.LoadIndexAsync(f.Repository, f.Engine.Key, Set, default);
        var present = Names(f.Packs()).ToHashSet();
        Assert.All(index.Packs, p => Assert.Contains(p.Name, present));
    }

    public void Dispose() => _f.Dispose();
}
