using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Dedup;
using OnedriveOffsite.Engine.Repositories;
using Xunit;

namespace OnedriveOffsite.Tests.OneDrive;

/// <summary>
/// The local index cache (docs/FORMAT.md §9.12) against the Graph emulator: the index file a backup stored is
/// recorded with the size and quickXorHash OneDrive's listing shows later, so the next backup downloads no index file.
/// </summary>
public sealed class OneDriveIndexCacheTests
{
    [Fact]
    public async Task A_second_format_2_backup_to_OneDrive_downloads_no_index_file()
    {
        await using var f = await OneDriveFixture.StartAsync();
        var cache = IndexCache.In(f.Home);
        var content = new byte[600_000];
        new Random(3).NextBytes(content);
        var source = f.WriteSource("vm.img", content);
        var backup = new DedupBackupOperation(f.Repository, f.Key, 64 * 1024, 4096) { IndexCache = cache };
        await backup.RunAsync(new BackupRequest(source, "set1"), f.Observer, default);
        var stored = await f.Repository.ListFilesAsync(V2Layout.Index("set1"), default);
        Assert.NotNull(Assert.Single(stored).Checksum);
        f.Observer.Lines.Clear();

        var second = await backup.RunAsync(new BackupRequest(source, "set1"), f.Observer, default);

        Assert.Contains("1 index file(s) loaded from the local index cache, 0 downloaded", f.Observer.All);
        Assert.Equal(0, second.Manifest.Added.Chunks);
        var restored = await new DedupRestoreOperation(f.Repository, f.Key) { IndexCache = cache }
            .RunAsync(new SnapshotLocation("set1", second.Snapshot.SnapshotId), f.Out("vm.img"), false, 4, f.Observer, default);
        Assert.Equal(content, await File.ReadAllBytesAsync(restored.Path));
        f.AssertCleanProtocol();
    }
}
