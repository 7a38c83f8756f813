using OnedriveOffsite.Engine.Dedup;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Restore;
using OnedriveOffsite.Tests.Dedup;
using OnedriveOffsite.Tests.Snapshots;
using Xunit;

namespace OnedriveOffsite.Tests.Messages;

/// <summary>A restore checks the destination volume's free space before it writes anything (issue 14 item 6).</summary>
public sealed class DestinationFullTests : IDisposable
{
    private readonly EngineFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task A_file_bigger_than_the_free_space_fails_with_DestinationFull_and_writes_nothing()
    {
        var source = EngineFixture.Random(300_000);
        var snapshot = await _f.BackupAsync(_f.WriteSource("vm.bin", source));
        var asked = new List<string>();
        var restore = new RestoreOperation(_f.Repository, _f.Key) { FreeSpaceProbe = dir => { asked.Add(dir); return source.Length - 1; } };

        var ex = await Assert.ThrowsAsync<OffsiteException>(() => restore.RunAsync(new SnapshotLocation(snapshot.Set, snapshot.SnapshotId),
            _f.OutDir, false, 4, NullObserver.Instance, default));

        Assert.Equal(ErrorIds.Snapshots.DestinationFull, ex.ErrorId);
        Assert.Equal(OffsiteErrorCategory.ResourceUnavailable, ex.Category);
        Assert.Contains($"needs {source.Length} bytes", ex.Message);
        Assert.Contains($"only {source.Length - 1} bytes free", ex.Message);
        Assert.Equal([Path.GetFullPath(_f.OutDir)], asked);
        Assert.Empty(_f.OutputFiles()); // not even the hidden temp file
    }

    [Fact]
    public async Task A_file_that_just_fits_is_restored()
    {
        var source = EngineFixture.Random(200_000, seed: 2);
        var snapshot = await _f.BackupAsync(_f.WriteSource("db.bin", source));
        var restore = new RestoreOperation(_f.Repository, _f.Key) { FreeSpaceProbe = _ => source.Length };

        var result = await restore.RunAsync(new SnapshotLocation(snapshot.Set, snapshot.SnapshotId), Path.Combine(_f.OutDir, "db.bin"), false, 4, NullObserver.Instance, default);

        Assert.Equal(source, File.ReadAllBytes(result.Path));
    }

    [Fact]
    public async Task An_unknown_free_space_does_not_block_a_restore()
    {
        var source = EngineFixture.Random(100_000, seed: 3);
        var snapshot = await _f.BackupAsync(_f.WriteSource("x.bin", source));
        var restore = new RestoreOperation(_f.Repository, _f.Key) { FreeSpaceProbe = _ => null };

        var result = await restore.RunAsync(new SnapshotLocation(snapshot.Set, snapshot.SnapshotId), Path.Combine(_f.OutDir, "x.bin"), false, 4, NullObserver.Instance, default);

        Assert.Equal(source.Length, new FileInfo(result.Path).Length);
    }

    [Fact]
    public async Task A_format_2_restore_checks_the_free_space_too()
    {
        using var d = new DedupFixture();
        var source = EngineFixture.Random(150_000, seed: 4);
        var backup = await d.BackupAsync(d.Engine.WriteSource("v2.bin", source));
        var restore = new DedupRestoreOperation(d.Repository, d.Engine.Key) { FreeSpaceProbe = _ => 10 };

        var ex = await Assert.ThrowsAsync<OffsiteException>(() => restore.RunAsync(new SnapshotLocation(backup.Snapshot.Set, backup.Snapshot.SnapshotId),
            d.Engine.OutDir, false, 4, NullObserver.Instance, default));

        Assert.Equal(ErrorIds.Snapshots.DestinationFull, ex.ErrorId);
        Assert.Empty(d.Engine.OutputFiles());
    }

    [Fact]
    public void The_real_probe_reports_the_volume_of_an_existing_directory() =>
        Assert.True(Engine.IO.DestinationSpace.Available(_f.OutDir) > 0);
}
