using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Dedup;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Streams;
using Xunit;
using F = OnedriveOffsite.Tests.Snapshots.EngineFixture;

namespace OnedriveOffsite.Tests.Dedup;

/// <summary>
/// Backing up into a set whose newest snapshot was made with another key fails with KeyMismatch naming both, and
/// stores nothing, whatever the formats of the set and of the run (issue 15 item 7), streams included; -AllowKeyChange
/// goes ahead, except that a format 2 set keeps the key its index files were made with.
/// </summary>
public sealed class DedupKeyContinuityTests : IDisposable
{
    private readonly DedupFixture _f = new();
    private readonly MasterKey _other = MasterKey.Generate();

    private Task<DedupBackupResult> V2(MasterKey key, bool allowKeyChange = false) =>
        new DedupBackupOperation(_f.Repository, key, DedupFixture.PackSize, DedupFixture.Average).RunAsync(
            new BackupRequest(_f.Engine.WriteSource("src.bin", F.Random(300_000, seed: 4)), "set1", AllowKeyChange: allowKeyChange),
            NullObserver.Instance, default);

    private Task<BackupResult> V1(MasterKey key, bool allowKeyChange = false) =>
        new BackupOperation(_f.Repository, key).RunAsync(
            new BackupRequest(_f.Engine.WriteSource("src.bin", F.Random(300_000, seed: 4)), "set1", F.Part, SegmentSize: F.Segment,
                AllowKeyChange: allowKeyChange), NullObserver.Instance, default);

    /// <summary>Every file under the set (snapshots, packs, index files): what a refused run must leave unchanged.</summary>
    private string[] SetFiles() => Directory.GetFiles(_f.SetDir(), "*", SearchOption.AllDirectories).Order().ToArray();

    private void AssertNamesBoth(OffsiteException ex, MasterKey before)
    {
        Assert.Equal("KeyMismatch", ex.ErrorId);
        Assert.Equal(OffsiteErrorCategory.SecurityError, ex.Category);
        Assert.Contains(before.KeyId, ex.Message);
        Assert.Contains(_other.KeyId, ex.Message);
    }

    [Fact]
    public async Task A_format_2_backup_into_a_set_whose_newest_snapshot_has_another_key_fails_and_AllowKeyChange_goes_ahead()
    {
        await V1(_f.Engine.Key);
        var before = SetFiles();

        AssertNamesBoth(await Assert.ThrowsAsync<OffsiteException>(() => V2(_other)), _f.Engine.Key);
        Assert.Equal(before, SetFiles());

        var changed = await V2(_other, allowKeyChange: true);
        Assert.Equal(_other.KeyId, changed.Snapshot.KeyId);
        var restored = await new DedupRestoreOperation(_f.Repository, _other).RunAsync(
            new Engine.Repositories.SnapshotLocation("set1", changed.Snapshot.SnapshotId), Path.Combine(_f.Engine.OutDir, "r.bin"), false,
            2, NullObserver.Instance, default);
        Assert.Equal(F.Random(300_000, seed: 4), await File.ReadAllBytesAsync(restored.Path));
    }

    [Fact]
    public async Task A_format_1_backup_into_a_set_whose_newest_snapshot_is_format_2_with_another_key_fails_naming_both()
    {
        await V2(_f.Engine.Key);
        var before = SetFiles();

        AssertNamesBoth(await Assert.ThrowsAsync<OffsiteException>(() => V1(_other)), _f.Engine.Key);
        Assert.Equal(before, SetFiles());
    }

    [Fact]
    public async Task A_format_2_set_keeps_its_key_even_with_AllowKeyChange_and_says_to_use_a_new_set()
    {
        await V2(_f.Engine.Key);
        var before = SetFiles();

        AssertNamesBoth(await Assert.ThrowsAsync<OffsiteException>(() => V2(_other)), _f.Engine.Key);
        var allowed = await Assert.ThrowsAsync<OffsiteException>(() => V2(_other, allowKeyChange: true));
        AssertNamesBoth(allowed, _f.Engine.Key);
        Assert.Contains("new set", allowed.Message);
        Assert.Equal(before, SetFiles());
    }

    [Fact]
    public async Task A_stream_backup_into_a_set_with_another_key_fails_before_the_stream_is_read_in_either_format()
    {
        await V1(_f.Engine.Key);
        var before = SetFiles();
        var request = new StreamBackupRequest("set1", "dump.sql", PartSize: F.Part, SegmentSize: F.Segment);
        var v1Source = new CountingSource();
        var v2Source = new CountingSource();

        AssertNamesBoth(await Assert.ThrowsAsync<OffsiteException>(() => new StreamBackupOperation(_f.Repository, _other)
            .RunAsync(request, () => v1Source, "stream", NullObserver.Instance, default)), _f.Engine.Key);
        AssertNamesBoth(await Assert.ThrowsAsync<OffsiteException>(() => new DedupBackupOperation(_f.Repository, _other,
            DedupFixture.PackSize, DedupFixture.Average).RunStreamAsync(request, () => v2Source, "stream", NullObserver.Instance,
                default)), _f.Engine.Key);
        Assert.Equal(0, v1Source.Reads + v2Source.Reads);
        Assert.Equal(before, SetFiles());

        var changed = await new StreamBackupOperation(_f.Repository, _other).RunAsync(request with { AllowKeyChange = true },
            () => new CountingSource(), "stream", NullObserver.Instance, default);
        Assert.Equal(_other.KeyId, changed.Snapshot.KeyId);
    }

    /// <summary>A short stream that counts the reads made from it.</summary>
    private sealed class CountingSource : IByteSource
    {
        private int _left = 1000;
        public int Reads { get; private set; }
        public string Description => "test stream";
        public string? Program => null;

        public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct)
        {
            Reads++;
            var n = Math.Min(_left, buffer.Length);
            buffer.Span[..n].Fill(7);
            _left -= n;
            return ValueTask.FromResult(n);
        }

        public Task CompleteAsync(CancellationToken ct) => Task.CompletedTask;
        public void Abort() { }
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    public void Dispose() => _f.Dispose();
}
