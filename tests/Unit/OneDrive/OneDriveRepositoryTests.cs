using System.Diagnostics;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Legacy;
using OnedriveOffsite.Engine.Repositories.OneDrive;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.GraphEmulator;
using OnedriveOffsite.GraphEmulator.Faults;
using Xunit;
using Xunit.Abstractions;

namespace OnedriveOffsite.Tests.OneDrive;

public sealed class OneDriveRepositoryTests(ITestOutputHelper output)
{
    private static byte[] Random(int length, int seed = 1)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static byte[] Text(int length)
    {
        var line = "2026-11-26 01:00:00 INFO vzdump: backup of VM 101 finished\n"u8.ToArray();
        var b = new byte[length];
        for (var i = 0; i < length; i++) b[i] = line[i % line.Length];
        return b;
    }

    [Fact]
    public async Task ThreeHundredMebibytesRoundTripBitExactThroughEveryFaultKind()
    {
        var sw = Stopwatch.StartNew();
        await using var f = await OneDriveFixture.StartAsync(
            OneDriveFixture.RandomFaults(seed: 42, downloadUrlLifetime: TimeSpan.FromSeconds(20)), fragment: OneDriveOptions.DefaultFragmentSize, downloadChunk: 16L << 20);
        // Scripted faults make sure every kind happens at least once; random ones come on top.
        f.Emulator.Faults.Enqueue(Enum.GetValues<FaultKind>());
        var content = Random(300 << 20, seed: 3);
        var source = f.WriteSource("big.bin", content);
        var snapshot = await f.BackupAsync(source, partSize: 64L << 20, throttle: 4);
        var backupTime = sw.Elapsed;
        var restored = await f.RestoreAsync(snapshot, f.Out("big.bin"));
        var stats = f.Emulator.Stats;
        output.WriteLine($"backup {backupTime.TotalSeconds:0.0} s, total {sw.Elapsed.TotalSeconds:0.0} s; requests {stats.TotalRequests}; faults {string.Join(", ", stats.FaultsInjected.Select(kv => kv.Key + "=" + kv.Value))}");

        Assert.Equal(content.Length, restored.Length);
        Assert.True(content.AsSpan().SequenceEqual(File.ReadAllBytes(f.Out("big.bin"))));
        output.WriteLine($"requests before a Retry-After deadline: {stats.RequestsBeforeRetryAfter} (+{stats.RequestsInFlightDuringThrottle} already under way when the throttling answer was sent)");
        // Requests already on the wire when another worker's 429/503 went out are counted apart by the emulator;
        // every other request before the deadline would mean the shared gate is not honoured.
        f.AssertCleanProtocol(allowRacingEarlyRequests: false);
        foreach (var kind in Enum.GetValues<FaultKind>())
            Assert.True(stats.FaultsInjected.GetValueOrDefault(kind.ToString()) > 0, $"no {kind} fault was injected");
        var totalFaults = stats.FaultsInjected.Values.Sum();
        Assert.True(totalFaults >= stats.TotalRequests / 10 - Enum.GetValues<FaultKind>().Length, $"{totalFaults} faults in {stats.TotalRequests} requests");
        // Stored files carry OneDrive's hash, and the manifest recorded the same one.
        var folder = Assert.Single(await f.Repository.ListSnapshotsAsync("set1", default));
        Assert.Equal(6, folder.Files.Count);
        Assert.All(folder.Files, file => Assert.False(string.IsNullOrEmpty(file.Checksum?.Value)));
        Assert.DoesNotContain("_upload", f.Observer.All);
        Assert.DoesNotContain("_download", f.Observer.All);
        Assert.Contains("Retry-After", f.Observer.All);
        // A wide bound (about 30 s alone, a few minutes on a loaded machine): catches only a run stuck in waits.
        Assert.True(sw.Elapsed < TimeSpan.FromMinutes(10), $"took {sw.Elapsed}");
    }

    [Fact]
    public async Task CorruptionDuringUploadIsCaughtByQuickXorHashAndThePartStoredAgain()
    {
        await using var f = await OneDriveFixture.StartAsync();
        var content = Text(3 << 20); // compressible: zstd parts of unknown size, spooled to a temp file
        var source = f.WriteSource("log.txt", content);
        // The fault is queued once the set's lock exists, so that it hits a part's upload (the lock is uploaded first).
        var repository = new FaultAfterLockRepository(f.Repository, () => f.Emulator.Faults.Enqueue(FaultKind.CorruptOnUpload));
        var snapshot = (await new Engine.Backup.BackupOperation(repository, f.Key).RunAsync(
            new Engine.Backup.BackupRequest(source, "set1", 1 << 20, CompressionMode.Auto, 4), f.Observer, default)).Snapshot;
        Assert.Equal(1, f.Emulator.Stats.FaultsInjected["CorruptOnUpload"]);
        Assert.Contains("StoredHashMismatch", f.Observer.All);
        await f.RestoreAsync(snapshot, f.Out("log.txt"));
        Assert.Equal(content, File.ReadAllBytes(f.Out("log.txt")));
        f.AssertCleanProtocol();
    }

    [Fact]
    public async Task LostUploadSessionRestartsThePartWithAFreshSalt()
    {
        await using var f = await OneDriveFixture.StartAsync();
        var content = Random(5 << 20, seed: 9);
        var source = f.WriteSource("s.bin", content);
        f.Emulator.Faults.Enqueue(FaultKind.SessionExpired);
        var snapshot = await f.BackupAsync(source, partSize: 2 << 20);
        Assert.Contains("UploadSessionLost", f.Observer.All);
        Assert.Contains("again from the start with a fresh salt", f.Observer.All);
        await f.RestoreAsync(snapshot, f.Out("s.bin"));
        Assert.Equal(content, File.ReadAllBytes(f.Out("s.bin")));
        f.AssertCleanProtocol();
    }

    [Fact]
    public async Task CorruptionAtRestFailsTheRestoreWithoutADestinationFile()
    {
        await using var f = await OneDriveFixture.StartAsync();
        var source = f.WriteSource("c.bin", Random(3 << 20, seed: 5));
        var snapshot = await f.BackupAsync(source, partSize: 1 << 20);
        f.Emulator.CorruptStoredFile($"/Apps/OnedriveOffsite/set1/{snapshot.SnapshotId}/part-00001.oop");
        var destination = f.Out("c.bin");
        var e = await Assert.ThrowsAsync<OffsiteException>(() => f.RestoreAsync(snapshot, destination));
        Assert.Equal("PartCorrupt", e.ErrorId);
        Assert.Empty(Directory.GetFileSystemEntries(Path.GetDirectoryName(destination)!));
        f.AssertCleanProtocol();
    }

    [Fact]
    public async Task ListingsFollowEveryPage()
    {
        await using var f = await OneDriveFixture.StartAsync(new EmulatorOptions { PageSize = 5 }, spec: "onedrive:/nested/repo");
        var source = f.WriteSource("tiny.bin", Random(100_000));
        for (var i = 0; i < 13; i++) await f.BackupAsync(source, partSize: 64 << 10, throttle: 2); // 2 parts + manifest each
        for (var i = 0; i < 6; i++) await f.BackupAsync(source, set: $"other{i}", partSize: 1 << 20);
        var snapshots = await f.Repository.ListSnapshotsAsync("set1", default);
        Assert.Equal(13, snapshots.Count);
        Assert.All(snapshots, s => Assert.True(s.HasManifest));
        Assert.Equal(7, (await f.Repository.ListSetsAsync(default)).Count);
        Assert.True(f.Emulator.Stats.StoredFiles.All(s => s.Path.StartsWith("/Apps/OnedriveOffsite/nested/repo/", StringComparison.OrdinalIgnoreCase)));
        Assert.Equal("onedrive:/nested/repo (app folder)", f.Repository.Description);
        f.AssertCleanProtocol();
    }

    [Fact]
    public async Task ExpiredAccessTokenIsRefreshedOnceAndTheRequestRetried()
    {
        await using var f = await OneDriveFixture.StartAsync(scope: ScopeMode.Drive);
        var source = f.WriteSource("t.bin", Random(200_000));
        var snapshot = await f.BackupAsync(source);
        f.Emulator.ExpireAccessTokens();
        var sets = await f.Repository.ListSetsAsync(default);
        Assert.Equal(["set1"], sets);
        Assert.Equal(1, f.Tokens.ForcedRefreshes);
        Assert.Equal(1, f.Emulator.Stats.UnauthorizedRequests);
        await f.RestoreAsync(snapshot, f.Out("t.bin"));
        Assert.True(f.Emulator.Stats.StoredFiles.All(s => s.Path.StartsWith("/Backups/Offsite/set1/", StringComparison.Ordinal)));
        f.AssertCleanProtocol();
    }

    [Fact]
    public async Task FullDriveFailsFastWithQuotaExceeded()
    {
        await using var f = await OneDriveFixture.StartAsync(new EmulatorOptions { DriveCapacityBytes = 3 << 20 });
        var source = f.WriteSource("q.bin", Random(8 << 20));
        var sw = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<OffsiteException>(() => f.BackupAsync(source, partSize: 2 << 20, throttle: 2));
        Assert.Equal("OneDriveQuotaExceeded", e.ErrorId);
        Assert.Equal(OffsiteErrorCategory.QuotaExceeded, e.Category);
        // "Fast" is the request count (507 is not retried); the time bound is only a wide margin on top.
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), $"took {sw.Elapsed}");
        Assert.True(f.Emulator.Stats.RequestsByRoute.GetValueOrDefault("PUT uploadFragment") < 20);
        f.AssertCleanProtocol();
    }

    [Fact]
    public async Task LegacyBackupUploadedToOneDriveRestoresBitExactly()
    {
        await using var f = await OneDriveFixture.StartAsync(new EmulatorOptions { PageSize = 2 });
        // Put the fixture's archives into the emulator with the repository's own upload path.
        var sample = Path.Combine(AppContext.BaseDirectory, "data", "legacy", "sample_multi");
        foreach (var file in Directory.GetFiles(sample))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            await using var sink = await f.Repository.CreateFileAsync(new SnapshotLocation("legacy", "sample_multi"), Path.GetFileName(file), bytes.Length, default);
            await sink.WriteAsync(bytes, default);
            await sink.CompleteAsync(default);
        }
        using var legacyRoot = f.Open("onedrive:/legacy");
        var backup = Assert.Single(await legacyRoot.ListLegacyBackupsAsync(default));
        Assert.Equal(("sample_multi", 3), (backup.Name, backup.ArchiveCount));
        Assert.Equal(Directory.GetFiles(sample).Sum(p => new FileInfo(p).Length), backup.StoredSize);
        f.Emulator.Faults.Enqueue(FaultKind.TruncatedDownload, FaultKind.DownloadUrlExpired);
        var source = legacyRoot.OpenLegacyArchiveSource("sample_multi");
        Assert.Equal("onedrive:/legacy/sample_multi", source.Description);
        var destination = f.Out("sample.bin");
        var key = LegacyKey.Load(Path.Combine(AppContext.BaseDirectory, "data", "legacy", "onedrive-offsite.key"));
        var expected = LegacyHashFile.Read(Path.Combine(AppContext.BaseDirectory, "data", "legacy", "sha256hash_sample_multi"));
        var result = await new LegacyRestoreOperation().RunAsync(source, key, destination, expected, false, f.Observer, default);
        Assert.True(result.VerifiedAgainstExpectedHash);
        Assert.Equal(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "legacy", "sample_multi.original.bin")), File.ReadAllBytes(destination));
        f.AssertCleanProtocol();
    }

    [Fact]
    public void SpecsAreValidated()
    {
        Assert.Equal("", OneDriveRepository.ParseSpec(null));
        Assert.Equal("", OneDriveRepository.ParseSpec("onedrive:"));
        Assert.Equal("a/b", OneDriveRepository.ParseSpec("onedrive:/a/b/"));
        Assert.Equal("InvalidRepository", Assert.Throws<OffsiteException>(() => OneDriveRepository.ParseSpec("onedrive:/a:b")).ErrorId);
        Assert.Equal("InvalidFragmentSize", Assert.Throws<OffsiteException>(() => new OneDriveOptions { FragmentSize = 1000 }.Validate()).ErrorId);
        Assert.Equal("InvalidFragmentSize", Assert.Throws<OffsiteException>(() => new OneDriveOptions { FragmentSize = 192 * OneDriveOptions.FragmentUnit }.Validate()).ErrorId);
    }

    /// <summary>Runs an action right after the lock of a set was created (then behaves as the repository it wraps).</summary>
    private sealed class FaultAfterLockRepository(ISnapshotRepository inner, Action afterLock) : ISnapshotRepository
    {
        public string Description => inner.Description;
        public Task<IReadOnlyList<string>> ListSetsAsync(CancellationToken ct) => inner.ListSetsAsync(ct);
        public Task<IReadOnlyList<StoredSnapshotFolder>> ListSnapshotsAsync(string set, CancellationToken ct) => inner.ListSnapshotsAsync(set, ct);
        public Task<IPartSink> CreateFileAsync(SnapshotLocation snapshot, string name, long? knownLength, CancellationToken ct) => inner.CreateFileAsync(snapshot, name, knownLength, ct);
        public Task<Stream> OpenReadAsync(SnapshotLocation snapshot, string name, CancellationToken ct) => inner.OpenReadAsync(snapshot, name, ct);
        public Task WriteManifestAsync(SnapshotLocation snapshot, byte[] manifest, CancellationToken ct) => inner.WriteManifestAsync(snapshot, manifest, ct);
        public Task<byte[]?> ReadManifestAsync(SnapshotLocation snapshot, CancellationToken ct) => inner.ReadManifestAsync(snapshot, ct);
        public Task DeleteFileAsync(SnapshotLocation snapshot, string name, CancellationToken ct) => inner.DeleteFileAsync(snapshot, name, ct);
        public Task DeleteSnapshotAsync(SnapshotLocation snapshot, CancellationToken ct) => inner.DeleteSnapshotAsync(snapshot, ct);
        public async Task<bool> TryCreateLockAsync(string? scope, byte[] content, CancellationToken ct)
        {
            var created = await inner.TryCreateLockAsync(scope, content, ct);
            if (created) afterLock();
            return created;
        }
        public Task<byte[]?> ReadLockAsync(string? scope, CancellationToken ct) => inner.ReadLockAsync(scope, ct);
        public Task<bool> ReplaceLockAsync(string? scope, byte[] expected, byte[] content, CancellationToken ct) => inner.ReplaceLockAsync(scope, expected, content, ct);
        public Task<bool> DeleteLockAsync(string? scope, byte[] expected, CancellationToken ct) => inner.DeleteLockAsync(scope, expected, ct);
    }
}
