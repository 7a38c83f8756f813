using System.Security.Cryptography;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using Xunit;
using F = OnedriveOffsite.Tests.Snapshots.EngineFixture;

namespace OnedriveOffsite.Tests.Snapshots;

/// <summary>An interrupted backup continues the same snapshot without storing finished parts again.</summary>
public sealed class ResumeTests : IDisposable
{
    private readonly F _f = new();
    private readonly byte[] _content = F.Random(8 * (int)F.Part + 1000, 9);

    private ResumeJournal Journal(string source) => ResumeJournal.For(new ConfigHome(Path.Combine(_f.Root, "home")), _f.Repository.Description, "set1", source);

    private Task<BackupResult> Run(ISnapshotRepository repository, string source, bool requireResume = false, long? partSize = F.Part, CancellationToken ct = default, int throttleLimit = 1) =>
        new BackupOperation(repository, _f.Key, Journal(source))
            .RunAsync(new BackupRequest(source, "set1", partSize, ThrottleLimit: throttleLimit, SegmentSize: F.Segment, RequireResume: requireResume), NullObserver.Instance, ct);

    [Fact]
    public async Task A_local_backup_in_file_order_records_the_running_SHA256_of_the_source_instead_of_part_checksums_and_a_rerun_reuses_its_parts()
    {
        var source = _f.WriteSource("vm.bin", _content);
        // Four parts in parallel asked for, but a local repository with incompressible data stores them in file order.
        await Assert.ThrowsAsync<IOException>(() => Run(new CountingRepository(_f.Repository, failAtPart: 4, inFileOrder: true), source, throttleLimit: 4));
        var state = Journal(source).Load()!;
        Assert.Equal(new[] { 0, 1, 2, 3 }, state.Parts.Select(p => p.Index).Order().ToArray());
        Assert.Empty(state.SourceChecksums);   // no per-part checksum taken: the stored bytes are the hashed bytes
        Assert.Equal(Convert.ToHexString(SHA256.HashData(_content.AsSpan(0, 4 * (int)F.Part))).ToLowerInvariant(), state.SourcePrefixSha256[3]);

        var counting = new CountingRepository(_f.Repository, failAtPart: -1, inFileOrder: true);
        var result = await Run(counting, source, throttleLimit: 4);
        Assert.Equal(new[] { 4, 5, 6, 7, 8 }, counting.PartsWritten.Order().ToArray());
        Assert.Equal(Convert.ToHexString(SHA256.HashData(_content)).ToLowerInvariant(), result.Manifest.Source.Sha256);
        Assert.Equal(_content, await File.ReadAllBytesAsync((await _f.RestoreAsync(result.Snapshot)).Path));
    }

    [Fact]
    public async Task A_local_backup_in_file_order_stores_again_a_reused_part_whose_bytes_changed_and_every_part_after_it()
    {
        var source = _f.WriteSource("vm.bin", _content);
        await Assert.ThrowsAsync<IOException>(() => Run(new CountingRepository(_f.Repository, failAtPart: 4, inFileOrder: true), source, throttleLimit: 4));
        var mtime = File.GetLastWriteTimeUtc(source);
        var changed = _content.ToArray();
        changed[(int)F.Part + 10] ^= 0xFF;   // inside part 1; same size and time
        await File.WriteAllBytesAsync(source, changed);
        File.SetLastWriteTimeUtc(source, mtime);

        var counting = new CountingRepository(_f.Repository, failAtPart: -1, inFileOrder: true);
        var result = await Run(counting, source, throttleLimit: 4);
        // Part 0 is proven by the running SHA-256; from part 1 on it differs, so those stored parts are stored again.
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6, 7, 8 }, counting.PartsWritten.Order().ToArray());
        Assert.Equal(new[] { "part-00001.oop", "part-00002.oop", "part-00003.oop" }, counting.Deleted.Order().ToArray());
        Assert.Equal(Convert.ToHexString(SHA256.HashData(changed)).ToLowerInvariant(), result.Manifest.Source.Sha256);
        Assert.Equal(changed, await File.ReadAllBytesAsync((await _f.RestoreAsync(result.Snapshot)).Path));
    }

    [Fact]
    public async Task A_run_without_a_part_size_uses_the_repositorys_preferred_size()
    {
        var source = _f.WriteSource("vm.bin", _content);
        var result = await Run(new CountingRepository(_f.Repository, failAtPart: -1, preferredPartSize: 2 * F.Part), source, partSize: null);
        Assert.Equal(2 * F.Part, result.Manifest.PartSize);
        Assert.Equal(5, result.Snapshot.PartCount);
        Assert.Equal(_content, await File.ReadAllBytesAsync((await _f.RestoreAsync(result.Snapshot)).Path));
    }

    [Fact]
    public async Task A_rerun_without_a_part_size_continues_an_interrupted_run_with_its_part_size()
    {
        var source = _f.WriteSource("vm.bin", _content);
        await Assert.ThrowsAsync<IOException>(() => Run(new CountingRepository(_f.Repository, failAtPart: 4), source));
        // The repository now prefers another size (as after an upgrade that changed the default): the rerun keeps F.Part.
        var counting = new CountingRepository(_f.Repository, failAtPart: -1, preferredPartSize: 2 * F.Part);
        var result = await Run(counting, source, partSize: null);
        Assert.Equal(F.Part, result.Manifest.PartSize);
        Assert.Equal(new[] { 4, 5, 6, 7, 8 }, counting.PartsWritten.Order().ToArray());
        Assert.Equal(_content, await File.ReadAllBytesAsync((await _f.RestoreAsync(result.Snapshot)).Path));
    }

    [Fact]
    public async Task A_backup_stopped_by_its_caller_says_in_one_line_what_was_kept_and_a_rerun_continues_it()
    {
        var source = _f.WriteSource("vm.bin", _content);
        using var stop = new CancellationTokenSource();
        // "Ctrl+C" while part 4 is about to be stored: parts 0-3 are stored and recorded (one part at a time).
        var stopping = new CountingRepository(_f.Repository, failAtPart: -1, beforePart: i => { if (i == 4) { stop.Cancel(); stop.Token.ThrowIfCancellationRequested(); } });
        var error = await Assert.ThrowsAsync<BackupStoppedException>(() => Run(stopping, source, ct: stop.Token));
        Assert.DoesNotContain('\n', error.Message);
        Assert.Matches(@"^Stopped: 4 of 9 part\(s\) \(768 KiB of 1\.5 MiB\) are stored in set1/\S+ and kept; run the same command again to continue from there\.$", error.Message);

        var counting = new CountingRepository(_f.Repository, failAtPart: -1);
        var result = await Run(counting, source);
        Assert.Equal(new[] { 4, 5, 6, 7, 8 }, counting.PartsWritten.Order().ToArray());
        Assert.Equal(_content, await File.ReadAllBytesAsync((await _f.RestoreAsync(result.Snapshot)).Path));
    }

    [Fact]
    public async Task A_rerun_stores_only_the_missing_parts_and_restores_exactly()
    {
        var source = _f.WriteSource("vm.bin", _content);
        var crashing = new CountingRepository(_f.Repository, failAtPart: 4);
        await Assert.ThrowsAsync<IOException>(() => Run(crashing, source));
        var firstSalts = ReadSalts();
        Assert.True(File.Exists(Journal(source).Path));

        var counting = new CountingRepository(_f.Repository, failAtPart: -1);
        var result = await Run(counting, source);

        Assert.Equal(9, result.Snapshot.PartCount);
        Assert.Equal(new[] { 4, 5, 6, 7, 8 }, counting.PartsWritten.Order().ToArray());
        Assert.Single(await _f.Repository.ListSnapshotsAsync("set1", default));
        var salts = ReadSalts();
        foreach (var (name, salt) in firstSalts) Assert.Equal(salt, salts[name]);  // finished parts kept as they were
        Assert.False(File.Exists(Journal(source).Path));
        Assert.Equal(_content, await File.ReadAllBytesAsync((await _f.RestoreAsync(result.Snapshot)).Path));
    }

    [Fact]
    public async Task A_part_interrupted_mid_write_is_stored_again_with_a_fresh_salt()
    {
        var source = _f.WriteSource("vm.bin", _content);
        await Assert.ThrowsAsync<IOException>(() => Run(new CountingRepository(_f.Repository, failAtPart: 2, failAfterHeader: true), source));
        var result = await Run(new CountingRepository(_f.Repository, failAtPart: -1), source);
        Assert.Equal(_content, await File.ReadAllBytesAsync((await _f.RestoreAsync(result.Snapshot)).Path));
    }

    [Fact]
    public async Task A_part_stored_but_not_recorded_before_the_crash_is_removed_and_stored_again()
    {
        var source = _f.WriteSource("vm.bin", _content);
        await Assert.ThrowsAsync<IOException>(() => Run(new CountingRepository(_f.Repository, failAtPart: 3, failAfterComplete: true), source));
        var counting = new CountingRepository(_f.Repository, failAtPart: -1);
        var result = await Run(counting, source);
        Assert.Equal(new[] { "part-00003.oop" }, counting.Deleted);
        Assert.Equal(new[] { 3, 4, 5, 6, 7, 8 }, counting.PartsWritten.Order().ToArray());
        Assert.Equal(_content, await File.ReadAllBytesAsync((await _f.RestoreAsync(result.Snapshot)).Path));
    }

    [Fact]
    public async Task A_source_that_changed_since_starts_a_new_snapshot()
    {
        var source = _f.WriteSource("vm.bin", _content);
        await Assert.ThrowsAsync<IOException>(() => Run(new CountingRepository(_f.Repository, failAtPart: 4), source));
        var changed = _content.ToArray();
        changed[0] ^= 1;
        await File.WriteAllBytesAsync(source, changed);
        File.SetLastWriteTimeUtc(source, DateTime.UtcNow.AddMinutes(1));
        var counting = new CountingRepository(_f.Repository, failAtPart: -1);
        var result = await Run(counting, source);
        Assert.Equal(9, counting.PartsWritten.Count);
        var folders = await _f.Repository.ListSnapshotsAsync("set1", default);
        Assert.Equal(2, folders.Count);
        Assert.Single(folders, f => !f.HasManifest);
        Assert.Equal(changed, await File.ReadAllBytesAsync((await _f.RestoreAsync(result.Snapshot)).Path));
    }

    [Fact]
    public async Task A_stored_part_whose_source_bytes_changed_with_the_same_size_and_time_is_stored_again_with_a_fresh_salt()
    {
        var source = _f.WriteSource("vm.bin", _content);
        await Assert.ThrowsAsync<IOException>(() => Run(new CountingRepository(_f.Repository, failAtPart: 4), source));
        var firstSalts = ReadSalts();
        var mtime = File.GetLastWriteTimeUtc(source);
        var changed = _content.ToArray();
        changed[(int)F.Part + 10] ^= 0xFF;   // inside part 1, stored and recorded before the interruption
        await File.WriteAllBytesAsync(source, changed);
        File.SetLastWriteTimeUtc(source, mtime);   // cp -p, rsync -t, coarse FAT/SMB times

        var counting = new CountingRepository(_f.Repository, failAtPart: -1);
        var result = await Run(counting, source);

        Assert.Equal(new[] { 1, 4, 5, 6, 7, 8 }, counting.PartsWritten.Order().ToArray());
        Assert.Equal(new[] { "part-00001.oop" }, counting.Deleted);
        Assert.NotEqual(firstSalts["part-00001.oop"], ReadSalts()["part-00001.oop"]);
        Assert.Equal(changed, await File.ReadAllBytesAsync((await _f.RestoreAsync(result.Snapshot)).Path));
    }

    [Fact]
    public async Task A_journal_without_source_checksums_reuses_nothing()
    {
        var source = _f.WriteSource("vm.bin", _content);
        await Assert.ThrowsAsync<IOException>(() => Run(new CountingRepository(_f.Repository, failAtPart: 4), source));
        var journal = Journal(source);
        var state = journal.Load()!;
        state.SourceChecksums.Clear();   // as an older version wrote it: nothing to prove the stored parts with
        state.SourcePrefixSha256.Clear();
        journal.Save(state);

        var counting = new CountingRepository(_f.Repository, failAtPart: -1);
        var result = await Run(counting, source);
        Assert.Equal(9, counting.PartsWritten.Count);
        Assert.Equal(_content, await File.ReadAllBytesAsync((await _f.RestoreAsync(result.Snapshot)).Path));
    }

    [Fact]
    public async Task Resume_without_an_interrupted_backup_is_refused()
    {
        var source = _f.WriteSource("vm.bin", _content);
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => Run(_f.Repository, source, requireResume: true));
        Assert.Equal("NothingToResume", ex.ErrorId);
        Assert.Empty(await _f.Repository.ListSetsAsync(default));
    }

    private Dictionary<string, byte[]> ReadSalts()
    {
        var dir = Directory.GetDirectories(Path.Combine(_f.Repository.Root, "set1")).Single();
        return Directory.GetFiles(dir, "part-*.oop").ToDictionary(p => Path.GetFileName(p), p => PartHeader.Parse(File.ReadAllBytes(p), p).Salt)!;
    }

    public void Dispose() => _f.Dispose();

    /// <summary>Counts the parts written; "crashes" (throws) when part <c>failAtPart</c> starts or after its header.</summary>
    private sealed class CountingRepository(ISnapshotRepository inner, int failAtPart, bool failAfterHeader = false, bool failAfterComplete = false,
        long? preferredPartSize = null, Action<int>? beforePart = null, bool inFileOrder = false) : ISnapshotRepository
    {
        public bool StoresPartsFastestInFileOrder => inFileOrder;
        public List<int> PartsWritten { get; } = new();
        public List<string> Deleted { get; } = new();
        public string Description => inner.Description;
        public long? PreferredPartSize => preferredPartSize;
        public Task<IReadOnlyList<string>> ListSetsAsync(CancellationToken ct) => inner.ListSetsAsync(ct);
        public Task<IReadOnlyList<StoredSnapshotFolder>> ListSnapshotsAsync(string set, CancellationToken ct) => inner.ListSnapshotsAsync(set, ct);
        public async Task<IPartSink> CreateFileAsync(SnapshotLocation snapshot, string name, long? knownLength, CancellationToken ct)
        {
            var index = int.Parse(name[5..10]);
            beforePart?.Invoke(index);
            if (index == failAtPart && !failAfterHeader && !failAfterComplete) throw new IOException("simulated crash");
            lock (PartsWritten) PartsWritten.Add(index);
            var sink = await inner.CreateFileAsync(snapshot, name, knownLength, ct);
            return index != failAtPart ? sink : failAfterComplete ? new CrashAfterCompleteSink(sink) : new FailingSink(sink);
        }
        public Task<Stream> OpenReadAsync(SnapshotLocation snapshot, string name, CancellationToken ct) => inner.OpenReadAsync(snapshot, name, ct);
        public Task WriteManifestAsync(SnapshotLocation snapshot, byte[] manifest, CancellationToken ct) => inner.WriteManifestAsync(snapshot, manifest, ct);
        public Task<byte[]?> ReadManifestAsync(SnapshotLocation snapshot, CancellationToken ct) => inner.ReadManifestAsync(snapshot, ct);
        public Task DeleteSnapshotAsync(SnapshotLocation snapshot, CancellationToken ct) => inner.DeleteSnapshotAsync(snapshot, ct);
        public Task<bool> TryCreateLockAsync(string? scope, byte[] content, CancellationToken ct) => inner.TryCreateLockAsync(scope, content, ct);
        public Task<byte[]?> ReadLockAsync(string? scope, CancellationToken ct) => inner.ReadLockAsync(scope, ct);
        public Task<bool> ReplaceLockAsync(string? scope, byte[] expected, byte[] content, CancellationToken ct) => inner.ReplaceLockAsync(scope, expected, content, ct);
        public Task<bool> DeleteLockAsync(string? scope, byte[] expected, CancellationToken ct) => inner.DeleteLockAsync(scope, expected, ct);
        public Task DeleteFileAsync(SnapshotLocation snapshot, string name, CancellationToken ct)
        {
            Deleted.Add(name);
            return inner.DeleteFileAsync(snapshot, name, ct);
        }
    }

    /// <summary>The part is fully stored, then the process "dies" before the journal records it.</summary>
    private sealed class CrashAfterCompleteSink(IPartSink inner) : IPartSink
    {
        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct) => inner.WriteAsync(data, ct);
        public async Task<StoredPartResult> CompleteAsync(CancellationToken ct)
        {
            await inner.CompleteAsync(ct);
            throw new IOException("simulated crash after the part was stored");
        }
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class FailingSink(IPartSink inner) : IPartSink
    {
        private int _writes;
        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct) =>
            ++_writes > 2 ? throw new IOException("simulated crash mid-part") : inner.WriteAsync(data, ct);
        public Task<StoredPartResult> CompleteAsync(CancellationToken ct) => inner.CompleteAsync(ct);
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
