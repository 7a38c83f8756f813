using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Progress;
using Xunit;
using OnedriveOffsite.Engine.Snapshots;
using F = OnedriveOffsite.Tests.Snapshots.EngineFixture;

namespace OnedriveOffsite.Tests.Snapshots;

public sealed class SourceRemovalTests : IDisposable
{
    private readonly F _f = new();

    private async Task<BackupResult> Backup(string path) =>
        await new BackupOperation(_f.Repository, _f.Key).RunAsync(new BackupRequest(path, "set1", F.Part, SegmentSize: F.Segment), NullObserver.Instance, default);

    [Fact]
    public async Task A_verified_snapshot_removes_its_source()
    {
        var source = _f.WriteSource("a.bin", F.Random(500_000));
        var backup = await Backup(source);
        await SourceRemoval.RemoveAsync(_f.Repository, _f.Key, backup, 2, NullObserver.Instance, default);
        Assert.False(File.Exists(source));
    }

    [Fact]
    public async Task A_stored_part_damaged_after_the_backup_keeps_the_source()
    {
        var source = _f.WriteSource("a.bin", F.Random(500_000));
        var backup = await Backup(source);
        var part = Path.Combine(_f.SnapshotDir(backup.Snapshot), "part-00001.oop");
        var bytes = await File.ReadAllBytesAsync(part);
        bytes[300] ^= 1;
        await File.WriteAllBytesAsync(part, bytes);
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => SourceRemoval.RemoveAsync(_f.Repository, _f.Key, backup, 2, NullObserver.Instance, default));
        Assert.Equal("VerificationFailed", ex.ErrorId);
        Assert.Contains("part-00001.oop", ex.Message);
        Assert.True(File.Exists(source));
    }

    [Fact]
    public async Task A_source_changed_after_the_backup_is_kept()
    {
        var source = _f.WriteSource("a.bin", F.Random(5000));
        var backup = await Backup(source);
        await File.AppendAllTextAsync(source, "more");
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => SourceRemoval.RemoveAsync(_f.Repository, _f.Key, backup, 2, NullObserver.Instance, default));
        Assert.Equal("SourceChanged", ex.ErrorId);
        Assert.True(File.Exists(source));
    }

    public void Dispose() => _f.Dispose();
}
