using System.Security.Cryptography;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Format;
using Xunit;
using F = OnedriveOffsite.Tests.Snapshots.EngineFixture;

namespace OnedriveOffsite.Tests.Snapshots;

public sealed class RoundTripTests : IDisposable
{
    private readonly F _f = new();

    public static TheoryData<int, bool> Sizes() => new()
    {
        { 0, false }, { 1, false }, { 1, true },
        { F.Segment - 1, false }, { F.Segment, false }, { F.Segment + 1, true },
        { (int)F.Part - 1, true }, { (int)F.Part, false }, { (int)F.Part + 1, true }, { (int)F.Part + 1, false },
        { (int)F.Part * 4 + F.Segment / 2, true }, { (int)F.Part * 4 + F.Segment / 2, false },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Restores_bit_exact_at_every_boundary(int size, bool compressible)
    {
        var content = compressible ? F.Text(size) : F.Random(size, size);
        var source = _f.WriteSource("file.bin", content);
        var snapshot = await _f.BackupAsync(source);

        Assert.Equal((int)Math.Max(1, (size + F.Part - 1) / F.Part), snapshot.PartCount);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant(), snapshot.Sha256);
        var result = await _f.RestoreAsync(snapshot);
        Assert.Equal(content, await File.ReadAllBytesAsync(result.Path));
        Assert.Equal(File.GetLastWriteTimeUtc(source), File.GetLastWriteTimeUtc(result.Path));
    }

    [Theory]
    [InlineData(CompressionMode.Auto, 1)]
    [InlineData(CompressionMode.Zstd, 4)]
    [InlineData(CompressionMode.None, 2)]
    public async Task Every_compression_mode_and_parallelism_round_trips(CompressionMode mode, int throttle)
    {
        var content = F.Text(700_000).Concat(F.Random(500_000)).ToArray();
        var snapshot = await _f.BackupAsync(_f.WriteSource("mixed.bin", content), mode: mode, throttle: throttle);
        var result = await _f.RestoreAsync(snapshot);
        Assert.Equal(content, await File.ReadAllBytesAsync(result.Path));
        if (mode == CompressionMode.None) Assert.True(snapshot.StoredLength > content.Length);
        else Assert.True(snapshot.StoredLength < content.Length * 0.6, $"stored {snapshot.StoredLength}");
    }

    [Fact]
    public async Task Compressible_data_shrinks_and_random_data_is_stored_with_known_size()
    {
        var text = await _f.BackupAsync(_f.WriteSource("text.log", F.Text(1_000_000)));
        Assert.True(text.StoredLength < 100_000, $"stored {text.StoredLength}");

        var random = F.Random(1_000_000);
        var snapshot = await _f.BackupAsync(_f.WriteSource("random.bin", random));
        var parts = PartPlanLengths(random.Length);
        Assert.Equal(parts.Sum(l => PartLayout.StoredSizeWithoutCompression(l, F.Segment)), snapshot.StoredLength);
    }

    [Fact]
    public async Task Already_compressed_input_is_detected_by_its_magic_and_not_recompressed()
    {
        // A zstd frame of very compressible data: compressing it again would still shrink it, so only the magic tells.
        using var zstd = new ZstdSharp.Compressor(3);
        var frame = zstd.Wrap(F.Text(2_000_000)).ToArray();
        var padded = frame.Concat(F.Text(300_000)).ToArray();
        var snapshot = await _f.BackupAsync(_f.WriteSource("vm.vma.zst", padded));
        var stored = Directory.GetFiles(_f.SnapshotDir(snapshot), "part-*").Sum(p => new FileInfo(p).Length);
        var expected = PartPlanLengths(padded.Length).Sum(l => PartLayout.StoredSizeWithoutCompression(l, F.Segment));
        Assert.Equal(expected, stored);
        Assert.Equal(padded, await File.ReadAllBytesAsync((await _f.RestoreAsync(snapshot)).Path));
    }

    [Fact]
    public async Task Names_with_spaces_and_non_ascii_characters_round_trip()
    {
        var content = F.Random(5000);
        var snapshot = await _f.BackupAsync(_f.WriteSource("Sicherung März 2026 (VM ü).bin", content));
        Assert.Equal("Sicherung März 2026 (VM ü).bin", snapshot.SourceName);
        var result = await _f.RestoreAsync(snapshot, _f.OutDir);
        Assert.Equal(Path.Combine(_f.OutDir, "Sicherung März 2026 (VM ü).bin"), result.Path);
        Assert.Equal(content, await File.ReadAllBytesAsync(result.Path));
    }

    [Fact]
    public async Task Two_backups_of_the_same_file_share_no_key_material()
    {
        var source = _f.WriteSource("same.bin", F.Random(200_000));
        var a = await _f.BackupAsync(source);
        var b = await _f.BackupAsync(source);
        Assert.NotEqual(a.SnapshotId, b.SnapshotId);
        var partA = await File.ReadAllBytesAsync(Path.Combine(_f.SnapshotDir(a), "part-00000.oop"));
        var partB = await File.ReadAllBytesAsync(Path.Combine(_f.SnapshotDir(b), "part-00000.oop"));
        Assert.NotEqual(PartHeader.Parse(partA, "a").Salt, PartHeader.Parse(partB, "b").Salt);
        Assert.NotEqual(partA.AsSpan(PartHeader.Size, 64).ToArray(), partB.AsSpan(PartHeader.Size, 64).ToArray());
    }

    private static long[] PartPlanLengths(long length) =>
        OnedriveOffsite.Engine.Backup.PartPlan.Split(length, F.Part).Select(p => p.Length).ToArray();

    public void Dispose() => _f.Dispose();
}
