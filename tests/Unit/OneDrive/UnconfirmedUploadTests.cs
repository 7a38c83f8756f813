using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.GraphEmulator;
using Xunit;

namespace OnedriveOffsite.Tests.OneDrive;

/// <summary>
/// Issue 9 items 2 and 10 on OneDrive: a stored copy OneDrive reported without a quickXorHash is unconfirmed (the
/// manifest says so, and -RemoveSource reads it back), and a compressed part's spool leaves nothing behind a kill.
/// </summary>
public sealed class UnconfirmedUploadTests
{
    private static byte[] Random(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    [Fact]
    public async Task Without_a_reported_quickXorHash_the_manifest_records_none_and_RemoveSource_reads_every_part_back()
    {
        await using var f = await OneDriveFixture.StartAsync(new EmulatorOptions { OmitQuickXorHash = true });
        var source = f.WriteSource("a.bin", Random(3 << 20, seed: 4));
        var backup = await new BackupOperation(f.Repository, f.Key).RunAsync(new BackupRequest(source, "set1", 1 << 20), f.Observer, default);
        Assert.Equal(3, backup.Manifest.Parts.Count);
        Assert.All(backup.Manifest.Parts, p => Assert.Null(p.StoredQuickXorHash));

        await SourceRemoval.RemoveAsync(f.Repository, f.Key, backup, 2, f.Observer, default);
        Assert.False(File.Exists(source));
        Assert.Contains(f.Observer.Lines, l => l.StartsWith("Verifying set1/", StringComparison.Ordinal) && l.Contains("(Full)", StringComparison.Ordinal));
        Assert.Contains(f.Observer.Lines, l => l.Contains("the reassembled data's SHA-256 equals the original's", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_reported_quickXorHashes_RemoveSource_is_proven_by_the_listing()
    {
        await using var f = await OneDriveFixture.StartAsync();
        var source = f.WriteSource("a.bin", Random(3 << 20, seed: 5));
        var backup = await new BackupOperation(f.Repository, f.Key).RunAsync(new BackupRequest(source, "set1", 1 << 20), f.Observer, default);
        Assert.All(backup.Manifest.Parts, p => Assert.NotNull(p.StoredQuickXorHash));
        await SourceRemoval.RemoveAsync(f.Repository, f.Key, backup, 2, f.Observer, default);
        Assert.False(File.Exists(source));
        Assert.Contains(f.Observer.Lines, l => l.StartsWith("Verifying set1/", StringComparison.Ordinal) && l.Contains("(Quick)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_compressed_part_being_uploaded_has_no_spool_file_by_name_so_a_kill_leaves_none()
    {
        if (OperatingSystem.IsWindows()) return; // Windows: the kernel deletes the DeleteOnClose spool when a killed process's handles close
        await using var f = await OneDriveFixture.StartAsync();
        var location = new SnapshotLocation("set1", "20260101T000000000Z-00000000");
        await using (var sink = await f.Repository.CreateFileAsync(location, "part-00000.oop", knownLength: null, default))
        {
            await sink.WriteAsync(Random(1 << 20, seed: 6), default);
            Assert.Empty(Directory.GetFiles(Path.GetTempPath(), "onedrive-offsite-*.spool"));
            var stored = await sink.CompleteAsync(default);
            Assert.Equal(1 << 20, stored.Length);
        }
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), "onedrive-offsite-*.spool"));
    }
}
