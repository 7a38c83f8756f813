using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Dedup;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Locking;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.GraphEmulator;
using OnedriveOffsite.GraphEmulator.Faults;
using OnedriveOffsite.Tests.OneDrive;
using Xunit;
using Xunit.Abstractions;
using F = OnedriveOffsite.Tests.Snapshots.EngineFixture;

namespace OnedriveOffsite.Tests.Dedup;

/// <summary>
/// Format 2 over the real Graph path (issue 12 item 6), against the strict emulator: parallel verified pack uploads
/// with the retry, Retry-After and quickXorHash rules of format 1; retention over paged listings; corruption at rest
/// named. (A folder of 100,000 packs listed page by page: <see cref="DedupListingMemoryTests"/>.)
/// </summary>
public sealed class DedupOneDriveTests(ITestOutputHelper output)
{
    private const int PackSize = 1 << 20;
    private const int Average = 16 * 1024;

    private static async Task<SnapshotInfo> BackupAsync(OneDriveFixture f, string path, string set = "set1") =>
        (await new DedupBackupOperation(f.Repository, f.Key, PackSize, Average)
            .RunAsync(new BackupRequest(path, set, Compression: CompressionMode.Auto, ThrottleLimit: 4), f.Observer, default)).Snapshot;

    private static Task<Engine.Restore.RestoreResult> RestoreAsync(OneDriveFixture f, SnapshotInfo s, string destination) =>
        new DedupRestoreOperation(f.Repository, f.Key).RunAsync(new SnapshotLocation(s.Set, s.SnapshotId), destination, false, 4, f.Observer, default);

    private static byte[] Mixed(int length, int seed) => F.Text(length / 2).Concat(F.Random(length - length / 2, seed)).ToArray();

    [Fact]
    public async Task A_format_2_backup_to_OneDrive_meets_every_fault_kind_on_upload_and_download_and_restores_bit_exactly()
    {
        await using var f = await OneDriveFixture.StartAsync(OneDriveFixture.RandomFaults(seed: 7));
        // Every kind once for sure (scripted), random ones on top; upload-only and download-only kinds each fire
        // where they apply (the emulator skips a scripted kind until a request it applies to comes).
        f.Emulator.Faults.Enqueue(Enum.GetValues<FaultKind>());
        var content = Mixed(12 << 20, seed: 5);
        var source = f.WriteSource("vm.raw", content);

        var snapshot = await BackupAsync(f, source);
        var restored = await RestoreAsync(f, snapshot, f.Out("vm.raw"));

        var stats = f.Emulator.Stats;
        output.WriteLine($"requests {stats.TotalRequests}; faults {string.Join(", ", stats.FaultsInjected.Select(kv => kv.Key + "=" + kv.Value))}");
        Assert.Equal(content.Length, restored.Length);
        Assert.True(content.AsSpan().SequenceEqual(File.ReadAllBytes(f.Out("vm.raw"))), "restored bytes differ");
        foreach (var kind in Enum.GetValues<FaultKind>())
            Assert.True(stats.FaultsInjected.GetValueOrDefault(kind.ToString()) > 0, $"no {kind} fault was injected");
        f.AssertCleanProtocol();
        // Several packs (so uploads ran in parallel), each stored with OneDrive's hash.
        var packs = await f.Repository.ListFilesAsync(V2Layout.Packs("set1"), default);
        Assert.True(packs.Count >= 4, $"{packs.Count} packs");
        Assert.All(packs, p => Assert.False(string.IsNullOrEmpty(p.Checksum?.Value)));
    }

    [Fact]
    public async Task A_second_format_2_backup_to_OneDrive_uploads_only_changed_chunks_and_retention_prunes_through_paged_throttled_listings()
    {
        // Two items per page: every listing of packs and index files takes many pages.
        await using var f = await OneDriveFixture.StartAsync(new EmulatorOptions { PageSize = 2, RetryAfterSeconds = 1 });
        var first = Mixed(6 << 20, seed: 11);
        var source = f.WriteSource("db.dump", first);
        var a = await BackupAsync(f, source);

        var second = (byte[])first.Clone();
        new Random(3).NextBytes(second.AsSpan(4 << 20, 64 * 1024)); // one 64 KiB region changed
        File.WriteAllBytes(source, second);
        File.SetLastWriteTimeUtc(source, DateTime.UtcNow.AddMinutes(1));
        var uploadedBefore = f.Emulator.Stats.UploadedBytes;
        var b = await BackupAsync(f, source);
        var uploadedBySecond = f.Emulator.Stats.UploadedBytes - uploadedBefore;
        output.WriteLine($"second backup uploaded {uploadedBySecond} bytes");
        Assert.True(uploadedBySecond < 1 << 20, $"the second backup uploaded {uploadedBySecond} bytes for a 64 KiB change");

        // A third snapshot of other data; then the first two are removed and the set pruned under its lock while
        // OneDrive throttles: every pack only they needed goes, the third's stay and restore.
        var packsOfAandB = (await f.Repository.ListFilesAsync(V2Layout.Packs("set1"), default)).Count;
        var third = F.Random(3 << 20, seed: 12); // shares no chunk with the first two
        var other = f.WriteSource("other.dump", third);
        var c = await BackupAsync(f, other);
        var packsOfAll = (await f.Repository.ListFilesAsync(V2Layout.Packs("set1"), default)).Count;
        foreach (var s in new[] { a, b }) await f.Repository.DeleteSnapshotAsync(new SnapshotLocation(s.Set, s.SnapshotId), default);
        f.Emulator.ResetStats();
        f.Emulator.Faults.Enqueue([FaultKind.Throttle429, FaultKind.Unavailable503, FaultKind.Throttle429]);
        PruneResult? pruned;
        await using (var setLock = await RepositoryLock.AcquireAsync(f.Repository, "set1", "remove", new LockOptions(), f.Observer, default))
            pruned = await PackPruner.PruneAsync(f.Repository, f.Key, "set1", setLock, f.Observer, default);

        Assert.NotNull(pruned);
        var packsAfter = await f.Repository.ListFilesAsync(V2Layout.Packs("set1"), default);
        Assert.True(packsOfAandB >= 3, $"{packsOfAandB} packs for the first two snapshots");
        Assert.Equal(packsOfAandB, pruned.PacksDeleted);
        Assert.Equal(packsOfAll - packsOfAandB, packsAfter.Count);
        Assert.Single(await f.Repository.ListFilesAsync(V2Layout.Index("set1"), default));
        Assert.Equal(3, f.Emulator.Stats.FaultsInjected.Values.Sum());
        Assert.True(f.Emulator.Stats.RequestsByRoute.GetValueOrDefault("GET children") > 10, "listings were paged");

        await RestoreAsync(f, c, f.Out("other.dump"));
        Assert.True(third.AsSpan().SequenceEqual(File.ReadAllBytes(f.Out("other.dump"))), "the remaining snapshot restores bit-exactly");
        f.AssertCleanProtocol();
    }

    [Fact]
    public async Task A_pack_corrupted_at_rest_on_OneDrive_is_named_on_restore_and_no_file_is_left()
    {
        await using var f = await OneDriveFixture.StartAsync();
        var source = f.WriteSource("t.bin", Mixed(3 << 20, seed: 2));
        var s = await BackupAsync(f, source);
        var pack = (await f.Repository.ListFilesAsync(V2Layout.Packs("set1"), default))[0];
        f.Emulator.CorruptStoredFile($"/Apps/{f.Emulator.Options.AppName}/set1/packs/{pack.Name}");

        var e = await Assert.ThrowsAsync<OffsiteException>(() => RestoreAsync(f, s, f.Out("t.bin")));
        Assert.Equal("PackCorrupt", e.ErrorId);
        Assert.Contains(pack.Name, e.Message);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(f.Out("t.bin"))!));
    }
}
