using System.Security.Cryptography;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Restore;
using Xunit;
using F = OnedriveOffsite.Tests.Snapshots.EngineFixture;

namespace OnedriveOffsite.Tests.Snapshots;

/// <summary>
/// Issue 9 item 2: Test-OffsiteBackup -Full and -RemoveSource prove the whole chain (the reassembled stream's SHA-256
/// equals source.sha256), not only each part against its own hash.
/// </summary>
public sealed class ChainVerificationTests : IDisposable
{
    private readonly F _f = new();
    private readonly byte[] _content = F.Random(900_000, seed: 21);

    private static string Hex(byte[] b) => Convert.ToHexString(b).ToLowerInvariant();

    private async Task<BackupResult> Backup(string path) =>
        await new BackupOperation(_f.Repository, _f.Key).RunAsync(new BackupRequest(path, "set1", F.Part, SegmentSize: F.Segment), NullObserver.Instance, default);

    /// <summary>
    /// What a resume before this fix could store: an older-format manifest whose parts all match their own
    /// plainSha256, but whose source.sha256 is the hash of the file as it was when the run finished (other bytes).
    /// </summary>
    private async Task<SnapshotLocation> ForgeInconsistentOldFormatSnapshot(BackupResult backup)
    {
        var location = new SnapshotLocation(backup.Snapshot.Set, backup.Snapshot.SnapshotId);
        var manifest = backup.Manifest;
        foreach (var p in manifest.Parts)
            p.PlainSha256 = Hex(SHA256.HashData(_content.AsSpan((int)p.Offset, (int)p.Length)));
        var changed = (byte[])_content.Clone();
        changed[5] ^= 0xFF;
        manifest.Source.Sha256 = Hex(SHA256.HashData(changed));
        var snapshotId = Convert.FromHexString(manifest.SnapshotId);
        File.Delete(Path.Combine(_f.SnapshotDir(backup.Snapshot), SnapshotFiles.ManifestName));
        await _f.Repository.WriteManifestAsync(location, ManifestCodec.Encode(manifest, _f.Key, snapshotId), default);
        return location;
    }

    [Fact]
    public async Task Full_verification_fails_when_every_part_matches_its_own_hash_but_the_reassembled_data_does_not_match_the_source_hash()
    {
        var backup = await Backup(_f.WriteSource("a.bin", _content));
        var location = await ForgeInconsistentOldFormatSnapshot(backup);

        var quick = await new SnapshotVerifier(_f.Repository, _f.Key).VerifyAsync(location, VerificationDepth.Quick, 2, NullObserver.Instance, default);
        Assert.True(quick.Passed); // sizes are right: only reading everything back can tell
        var full = await new SnapshotVerifier(_f.Repository, _f.Key).VerifyAsync(location, VerificationDepth.Full, 2, NullObserver.Instance, default);
        Assert.False(full.Passed);
        Assert.Contains(full.Problems, p => p.StartsWith("SourceHashMismatch:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RemoveSource_keeps_the_source_when_the_reassembled_data_does_not_match_the_source_hash()
    {
        var source = _f.WriteSource("a.bin", _content);
        var backup = await Backup(source);
        await ForgeInconsistentOldFormatSnapshot(backup);
        var reread = backup with { Manifest = await new RestoreOperation(_f.Repository, _f.Key).ReadManifestAsync(new SnapshotLocation("set1", backup.Snapshot.SnapshotId), default) };

        var ex = await Assert.ThrowsAsync<OffsiteException>(() => SourceRemoval.RemoveAsync(_f.Repository, _f.Key, reread, 2, NullObserver.Instance, default));
        Assert.Equal("VerificationFailed", ex.ErrorId);
        Assert.Contains("SourceHashMismatch", ex.Message);
        Assert.True(File.Exists(source));
    }

    [Fact]
    public async Task A_new_snapshot_has_no_per_part_sha256_and_full_verification_proves_it_through_the_whole_file_hash()
    {
        var backup = await Backup(_f.WriteSource("a.bin", _content));
        Assert.True(backup.Manifest.Parts.Count >= 4);
        Assert.All(backup.Manifest.Parts, p => Assert.Null(p.PlainSha256));
        Assert.Equal(Hex(SHA256.HashData(_content)), backup.Manifest.Source.Sha256);
        var location = new SnapshotLocation("set1", backup.Snapshot.SnapshotId);
        var full = await new SnapshotVerifier(_f.Repository, _f.Key).VerifyAsync(location, VerificationDepth.Full, 3, NullObserver.Instance, default);
        Assert.True(full.Passed, string.Join(" ", full.Problems));
    }

    [Fact]
    public async Task Full_verification_of_a_snapshot_with_a_damaged_part_reports_that_part_and_finishes()
    {
        var backup = await Backup(_f.WriteSource("a.bin", _content));
        var part = Path.Combine(_f.SnapshotDir(backup.Snapshot), "part-00001.oop");
        var bytes = await File.ReadAllBytesAsync(part);
        bytes[200] ^= 1;
        await File.WriteAllBytesAsync(part, bytes);
        // Later parts wait for part 1's bytes to hash in order; a failed part must release them, not hang.
        var full = await new SnapshotVerifier(_f.Repository, _f.Key)
            .VerifyAsync(new SnapshotLocation("set1", backup.Snapshot.SnapshotId), VerificationDepth.Full, 4, NullObserver.Instance, default)
            .WaitAsync(TimeSpan.FromMinutes(2));
        Assert.False(full.Passed);
        Assert.Contains(full.Problems, p => p.Contains("part-00001.oop", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_empty_file_verifies_fully()
    {
        var backup = await Backup(_f.WriteSource("empty.bin", []));
        var full = await new SnapshotVerifier(_f.Repository, _f.Key)
            .VerifyAsync(new SnapshotLocation("set1", backup.Snapshot.SnapshotId), VerificationDepth.Full, 2, NullObserver.Instance, default);
        Assert.True(full.Passed, string.Join(" ", full.Problems));
    }

    public void Dispose() => _f.Dispose();
}
