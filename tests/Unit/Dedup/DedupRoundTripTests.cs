using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Engine.Repositories.Local;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Tests.Snapshots;
using Xunit;
using F = OnedriveOffsite.Tests.Snapshots.EngineFixture;

namespace OnedriveOffsite.Tests.Dedup;

/// <summary>Format v2: restores are bit-exact, and a second backup stores only what changed.</summary>
public sealed class DedupRoundTripTests : IDisposable
{
    private readonly DedupFixture _f = new();

    public static IEnumerable<object[]> Contents() => new[]
    {
        new object[] { "empty", Array.Empty<byte>(), CompressionMode.Auto },
        new object[] { "one byte", new byte[] { 42 }, CompressionMode.Auto },
        new object[] { "random", F.Random(700_000), CompressionMode.Auto },
        new object[] { "text", F.Text(500_000), CompressionMode.Auto },
        new object[] { "mixed, zstd", F.Text(300_000).Concat(F.Random(300_000)).ToArray(), CompressionMode.Zstd },
        new object[] { "mixed, stored", F.Text(300_000).Concat(F.Random(300_000)).ToArray(), CompressionMode.None },
    };

    [Theory]
    [MemberData(nameof(Contents))]
    public async Task Restore_is_bit_exact(string name, byte[] content, CompressionMode mode)
    {
        var backup = await _f.BackupAsync(_f.Engine.WriteSource("data.bin", content), mode: mode);
        Assert.Equal(2, backup.Snapshot.Format);
        var restored = await _f.RestoreAsync(backup.Snapshot);
        Assert.Equal(content, await File.ReadAllBytesAsync(restored.Path));
        Assert.Equal(backup.Manifest.Source.Sha256, restored.Sha256);
        Assert.True(name.Length > 0);
    }

    [Fact]
    public async Task An_unchanged_second_backup_adds_no_pack_and_restores()
    {
        var content = F.Random(600_000, seed: 3);
        var path = _f.Engine.WriteSource("data.bin", content);
        var first = await _f.BackupAsync(path);
        var packs = _f.Packs();
        var second = await _f.BackupAsync(path);
        Assert.Equal(0, second.Manifest.Added.Chunks);
        Assert.Equal(0, second.Snapshot.AddedLength);
        Assert.Equal(packs, _f.Packs());
        Assert.True(first.Manifest.Added.StoredBytes >= 600_000);
        Assert.Equal(content, await File.ReadAllBytesAsync((await _f.RestoreAsync(second.Snapshot)).Path));
    }

    [Fact]
    public async Task A_second_backup_with_a_few_changed_blocks_adds_only_a_little()
    {
        var content = F.Random(2_000_000, seed: 4);
        var path = _f.Engine.WriteSource("data.bin", content);
        var first = await _f.BackupAsync(path);
        var changed = (byte[])content.Clone();
        var rng = new Random(9);
        for (var i = 0; i < 5; i++) rng.NextBytes(changed.AsSpan(rng.Next(changed.Length - 4096), 4096));
        changed = changed[..1000].Concat(new byte[100]).Concat(changed[1000..]).ToArray(); // 100 bytes inserted near the start
        await File.WriteAllBytesAsync(path, changed);
        var second = await _f.BackupAsync(path);
        // Six edits with chunks of 1–16 KiB (average 4 KiB): far less than a tenth of the file is new.
        Assert.InRange(second.Manifest.Added.PlainBytes, 1, 200_000);
        Assert.Equal(changed, await File.ReadAllBytesAsync((await _f.RestoreAsync(second.Snapshot)).Path));
        Assert.Equal(content, await File.ReadAllBytesAsync((await _f.RestoreAsync(first.Snapshot, Path.Combine(_f.Engine.OutDir, "first.bin"))).Path));
    }

    [Fact]
    public async Task Repeated_content_within_one_file_is_stored_once()
    {
        var block = F.Random(100_000, seed: 5);
        var content = block.Concat(block).Concat(block).Concat(block).ToArray();
        var backup = await _f.BackupAsync(_f.Engine.WriteSource("data.bin", content), mode: CompressionMode.None);
        Assert.InRange(backup.Manifest.Added.PlainBytes, 100_000, 150_000);
        Assert.Equal(content, await File.ReadAllBytesAsync((await _f.RestoreAsync(backup.Snapshot)).Path));
    }

    public void Dispose() => _f.Dispose();
}
