using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Progress;
using Xunit;

namespace OnedriveOffsite.Tests.Snapshots;

public sealed class KeyContinuityTests : IDisposable
{
    private readonly EngineFixture _f = new();

    private Task<BackupResult> Backup(MasterKey key, bool allowKeyChange, string set = "set1") =>
        new BackupOperation(_f.Repository, key).RunAsync(
            new BackupRequest(_f.WriteSource("src.bin", EngineFixture.Random(200_000)), set, EngineFixture.Part, SegmentSize: EngineFixture.Segment, AllowKeyChange: allowKeyChange),
            NullObserver.Instance, default);

    private string[] SnapshotFolders(string set = "set1") => Directory.GetDirectories(Path.Combine(_f.Repository.Root, set));

    [Fact]
    public async Task Backing_up_with_another_key_than_the_newest_snapshot_fails_with_KeyMismatch_naming_both_and_stores_nothing()
    {
        await Backup(_f.Key, allowKeyChange: false);
        var other = MasterKey.Generate();

        var ex = await Assert.ThrowsAsync<OffsiteException>(() => Backup(other, allowKeyChange: false));

        Assert.Equal("KeyMismatch", ex.ErrorId);
        Assert.Equal(OffsiteErrorCategory.SecurityError, ex.Category);
        Assert.Contains(_f.Key.KeyId, ex.Message);
        Assert.Contains(other.KeyId, ex.Message);
        Assert.Contains("-AllowKeyChange", ex.Message);
        Assert.Single(SnapshotFolders());
    }

    [Fact]
    public async Task AllowKeyChange_backs_up_and_then_the_new_key_is_the_one_the_set_expects()
    {
        await Backup(_f.Key, allowKeyChange: false);
        var other = MasterKey.Generate();

        var changed = await Backup(other, allowKeyChange: true);
        Assert.Equal(other.KeyId, changed.Snapshot.KeyId);
        await Backup(other, allowKeyChange: false);
        Assert.Equal(3, SnapshotFolders().Length);

        var back = await Assert.ThrowsAsync<OffsiteException>(() => Backup(_f.Key, allowKeyChange: false));
        Assert.Equal("KeyMismatch", back.ErrorId);
        Assert.Equal(3, SnapshotFolders().Length);
    }

    [Fact]
    public async Task Other_sets_and_a_new_set_do_not_constrain_the_key()
    {
        await Backup(_f.Key, allowKeyChange: false, set: "other-set");
        var other = MasterKey.Generate();
        var fresh = await Backup(other, allowKeyChange: false, set: "set1");
        Assert.Equal(other.KeyId, fresh.Snapshot.KeyId);
    }

    [Fact]
    public async Task An_unreadable_newest_manifest_is_skipped_and_the_older_one_decides()
    {
        await Backup(_f.Key, allowKeyChange: false);
        var newest = await Backup(_f.Key, allowKeyChange: false);
        await File.WriteAllBytesAsync(Path.Combine(_f.SnapshotDir(newest.Snapshot), "manifest.oom"), new byte[10]);

        var ex = await Assert.ThrowsAsync<OffsiteException>(() => Backup(MasterKey.Generate(), allowKeyChange: false));
        Assert.Equal("KeyMismatch", ex.ErrorId);
        Assert.Contains(_f.Key.KeyId, ex.Message);
    }

    public void Dispose() => _f.Dispose();
}
