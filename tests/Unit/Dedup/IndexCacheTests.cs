using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Dedup;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.IO;
using OnedriveOffsite.Engine.Locking;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Restore;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Tests.Notifications;
using Xunit;
using F = OnedriveOffsite.Tests.Snapshots.EngineFixture;

namespace OnedriveOffsite.Tests.Dedup;

/// <summary>
/// The local index cache (docs/FORMAT.md §9.12) through real backups and restores on a local repository: a second
/// backup reads no index file, new index files are merged incrementally, and the cache is never trusted over the
/// repository (stale after another host's prune, damaged, or wrong: rebuilt, and restores stay correct).
/// </summary>
public sealed class IndexCacheTests : IDisposable
{
    private readonly DedupFixture _f = new();
    private readonly IndexCache _hostA;
    private readonly IndexCache _hostB;

    public IndexCacheTests()
    {
        _hostA = new IndexCache(Path.Combine(_f.Engine.Root, "homeA", IndexCache.FolderName));
        _hostB = new IndexCache(Path.Combine(_f.Engine.Root, "homeB", IndexCache.FolderName));
    }

    private async Task<(DedupBackupResult Result, RecordingObserver Log)> Backup(IndexCache cache, string file, byte[] content)
    {
        var log = new RecordingObserver();
        var result = await new DedupBackupOperation(_f.Repository, _f.Engine.Key, DedupFixture.PackSize, DedupFixture.Average) { IndexCache = cache }
            .RunAsync(new BackupRequest(_f.Engine.WriteSource(file, content), "set1"), log, default);
        return (result, log);
    }

    private async Task<(byte[] Bytes, RecordingObserver Log)> Restore(IndexCache cache, SnapshotInfo s, string name)
    {
        var log = new RecordingObserver();
        var result = await new DedupRestoreOperation(_f.Repository, _f.Engine.Key) { IndexCache = cache }
            .RunAsync(new SnapshotLocation(s.Set, s.SnapshotId), Path.Combine(_f.Engine.OutDir, name), false, 4, log, default);
        return (await File.ReadAllBytesAsync(result.Path), log);
    }

    private string CacheFile(IndexCache cache) => cache.PathFor(_f.Repository.Description, "set1", _f.Engine.Key.KeyId);

    private string[] IndexFiles() => Directory.GetFiles(Path.Combine(_f.SetDir(), V2Layout.IndexFolder)).Order().ToArray();

    [Fact]
    public async Task A_second_backup_loads_the_index_from_the_cache_and_downloads_no_index_file()
    {
        var content = F.Random(400_000, seed: 1);
        var (first, firstLog) = await Backup(_hostA, "a.bin", content);
        Assert.Contains("0 index file(s) loaded from the local index cache, 0 downloaded", firstLog.AllText);
        Assert.Contains("now includes index file", firstLog.AllText);

        var (second, log) = await Backup(_hostA, "a.bin", content);

        Assert.Contains("1 index file(s) loaded from the local index cache, 0 downloaded", log.AllText);
        Assert.Equal(0, second.Manifest.Added.Chunks);
        Assert.Equal(content, (await Restore(_hostA, second.Snapshot, "a.bin")).Bytes);
        Assert.True(first.Manifest.Added.Chunks > 0);
    }

    [Fact]
    public async Task Checkpoint_index_files_of_a_long_backup_are_merged_by_the_next_run_and_then_come_from_the_cache()
    {
        var content = F.Random(1_000_000, seed: 13);
        var log = new RecordingObserver();
        await new DedupBackupOperation(_f.Repository, _f.Engine.Key, DedupFixture.PackSize, DedupFixture.Average) { IndexCache = _hostA, CheckpointPacks = 4 }
            .RunAsync(new BackupRequest(_f.Engine.WriteSource("a.bin", content), "set1"), log, default);
        var files = IndexFiles().Length;
        Assert.True(files > 2, "the run stored checkpoint index files besides its last one");

        var (second, secondLog) = await Backup(_hostA, "a.bin", content);
        Assert.Contains($"1 index file(s) loaded from the local index cache, {files - 1} downloaded", secondLog.AllText);
        Assert.Equal(0, second.Manifest.Added.Chunks);
        var (_, third) = await Backup(_hostA, "a.bin", content);
        Assert.Contains($"{files} index file(s) loaded from the local index cache, 0 downloaded", third.AllText);
    }

    [Fact]
    public async Task The_cache_file_and_its_folder_are_owner_only()
    {
        await Backup(_hostA, "a.bin", F.Random(100_000, seed: 2));
        Assert.True(File.Exists(CacheFile(_hostA)));
        Assert.True(OwnerOnlyFile.IsOwnerOnly(CacheFile(_hostA)));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_hostA.Directory));
        Assert.Empty(Directory.GetFiles(_hostA.Directory).Where(p => p != CacheFile(_hostA)));
    }

    [Fact]
    public async Task An_index_file_another_host_added_is_downloaded_alone_and_merged()
    {
        var a = F.Random(300_000, seed: 3);
        var b = F.Random(300_000, seed: 4);
        await Backup(_hostA, "a.bin", a);
        await Backup(_hostB, "b.bin", b);

        var (again, log) = await Backup(_hostA, "b.bin", b);

        Assert.Contains("1 index file(s) loaded from the local index cache, 1 downloaded", log.AllText);
        Assert.Equal(0, again.Manifest.Added.Chunks);
        var (_, next) = await Backup(_hostA, "a.bin", a);
        Assert.Contains("2 index file(s) loaded from the local index cache, 0 downloaded", next.AllText);
    }

    [Fact]
    public async Task A_prune_by_another_host_makes_the_cache_stale_and_the_deleted_packs_are_not_used()
    {
        var a = F.Random(300_000, seed: 5);
        var b = F.Random(300_000, seed: 6);
        var (first, _) = await Backup(_hostA, "a.bin", a);
        await Backup(_hostA, "b.bin", b);
        var packsOfA = first.Manifest.Added.Packs;
        // Host B removes the snapshot of a and prunes: a's packs are deleted, the index files replaced.
        await _f.Repository.DeleteSnapshotAsync(new SnapshotLocation("set1", first.Snapshot.SnapshotId), default);
        await using (var setLock = await RepositoryLock.AcquireAsync(_f.Repository, "set1", "remove", new LockOptions(), NullObserver.Instance, default))
            Assert.Equal(packsOfA, (await PackPruner.PruneAsync(_f.Repository, _f.Engine.Key, "set1", setLock, NullObserver.Instance, default))!.PacksDeleted);

        var (again, log) = await Backup(_hostA, "a.bin", a);

        Assert.Contains("is stale", log.AllText);
        Assert.Contains("is no longer in the repository", log.AllText);
        Assert.True(again.Manifest.Added.Chunks > 0, "a's chunks are stored again, not taken from packs that are gone");
        Assert.Equal(a, (await Restore(_hostA, again.Snapshot, "a.bin")).Bytes);
    }

    [Theory]
    [InlineData(100)]          // the header
    [InlineData(4096 + 5)]     // the first entry page
    [InlineData(-3)]           // the metadata (Bloom filter)
    public async Task A_damaged_cache_file_is_rebuilt_and_backup_and_restore_stay_correct(int offset)
    {
        var content = F.Random(400_000, seed: 7);
        var (first, _) = await Backup(_hostA, "a.bin", content);
        var path = CacheFile(_hostA);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[offset < 0 ? bytes.Length + offset : offset] ^= 0x04;
        await File.WriteAllBytesAsync(path, bytes);

        var (restored, restoreLog) = await Restore(_hostA, first.Snapshot, "a.bin");
        Assert.Equal(content, restored);
        Assert.Contains("cannot be used", restoreLog.AllText);
        Assert.Contains("1 downloaded", restoreLog.AllText);

        var (second, log) = await Backup(_hostA, "a.bin", content);
        Assert.Contains("1 index file(s) loaded from the local index cache, 0 downloaded", log.AllText);
        Assert.Equal(0, second.Manifest.Added.Chunks);
    }

    [Fact]
    public async Task A_deleted_or_truncated_cache_file_is_rebuilt()
    {
        var content = F.Random(300_000, seed: 8);
        var (first, _) = await Backup(_hostA, "a.bin", content);
        File.Delete(CacheFile(_hostA));
        var (_, log) = await Backup(_hostA, "a.bin", content);
        Assert.Contains("No local index cache", log.AllText);
        Assert.Contains("0 index file(s) loaded from the local index cache, 1 downloaded", log.AllText);

        await using (var f = new FileStream(CacheFile(_hostA), FileMode.Open)) f.SetLength(f.Length - 100);
        Assert.Equal(content, (await Restore(_hostA, first.Snapshot, "a.bin")).Bytes);
    }

    [Fact]
    public async Task A_restore_whose_cache_points_elsewhere_rebuilds_the_index_and_succeeds()
    {
        var content = F.Random(400_000, seed: 9);
        var (first, _) = await Backup(_hostA, "a.bin", content);
        WriteWrongCache(shift: 1);

        var (restored, log) = await Restore(_hostA, first.Snapshot, "a.bin");

        Assert.Equal(content, restored);
        Assert.Contains("rebuilding the index from the repository and reading again", log.AllText);
        Assert.Contains("PackCorrupt", log.AllText);
        // The cache was rewritten from the repository: the next restore reads no index file.
        var (_, next) = await Restore(_hostA, first.Snapshot, "b.bin");
        Assert.Contains("1 index file(s) loaded from the local index cache, 0 downloaded", next.AllText);
        Assert.DoesNotContain("reading again", next.AllText);
    }

    [Fact]
    public async Task A_pack_really_missing_is_still_reported_after_the_retry_with_a_fresh_index()
    {
        var content = F.Random(400_000, seed: 10);
        var (first, _) = await Backup(_hostA, "a.bin", content);
        File.Delete(_f.Packs()[0]);

        var log = new RecordingObserver();
        var error = await Assert.ThrowsAsync<OffsiteException>(() => new DedupRestoreOperation(_f.Repository, _f.Engine.Key) { IndexCache = _hostA }
            .RunAsync(new SnapshotLocation("set1", first.Snapshot.SnapshotId), Path.Combine(_f.Engine.OutDir, "a.bin"), false, 4, log, default));

        Assert.Equal("PackMissing", error.ErrorId);
        Assert.Contains("reading again", log.AllText);
        Assert.Empty(_f.Engine.OutputFiles());
    }

    [Fact]
    public async Task Verification_reads_the_index_files_from_the_repository_even_with_a_cache()
    {
        var content = F.Random(300_000, seed: 12);
        var (first, _) = await Backup(_hostA, "a.bin", content);
        var log = new RecordingObserver();

        var result = await new DedupVerifier(_f.Repository, _f.Engine.Key) { IndexCache = _hostA }
            .VerifyAsync(new SnapshotLocation("set1", first.Snapshot.SnapshotId), VerificationDepth.Quick, 0, 4, log, default);

        Assert.True(result.Passed);
        Assert.Contains("0 index file(s) loaded from the local index cache, 1 downloaded", log.AllText);
    }

    /// <summary>A cache file with valid MACs whose every offset is off by <paramref name="shift"/>: stale in a way no listing shows.</summary>
    private void WriteWrongCache(uint shift)
    {
        var path = CacheFile(_hostA);
        var key = _f.Engine.Key;
        var identity = ChunkIndexFile.Identity(_f.Repository.Description, "set1");
        List<KeyValuePair<ChunkId, ChunkLocation>> entries;
        IReadOnlyList<PackRecord> packs;
        IReadOnlyList<StoredFile> files;
        using (var good = ChunkIndexFile.Open(path, V2Keys.IndexCacheKey(key), key.KeyIdBytes, identity))
        {
            entries = good.Entries().Select(e => new KeyValuePair<ChunkId, ChunkLocation>(e.Key, e.Value with { Offset = e.Value.Offset + shift })).ToList();
            packs = good.Packs;
            files = good.IndexFiles;
        }
        File.Delete(path);
        ChunkIndexFileWriter.Write(path, V2Keys.IndexCacheKey(key), key.KeyIdBytes, identity, packs, files, entries.Count, entries);
    }

    public void Dispose() => _f.Dispose();
}
