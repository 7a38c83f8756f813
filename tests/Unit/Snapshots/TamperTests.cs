using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using Xunit;
using OnedriveOffsite.Engine.Snapshots;
using F = OnedriveOffsite.Tests.Snapshots.EngineFixture;

namespace OnedriveOffsite.Tests.Snapshots;

/// <summary>docs/FORMAT.md: every kind of tampering is caught on restore, names the part, and leaves no file behind.</summary>
public sealed class TamperTests : IDisposable
{
    private readonly F _f = new();
    private readonly byte[] _content = F.Text(400_000).Concat(F.Random(500_000)).ToArray();

    private async Task<SnapshotInfo> MultiPartSnapshot(string set = "set1") => await _f.BackupAsync(_f.WriteSource("data.bin", _content), set);

    private string PartPath(SnapshotInfo s, int index) => Path.Combine(_f.SnapshotDir(s), $"part-{index:D5}.oop");

    private async Task AssertRestoreFails(SnapshotInfo s, string errorId, string? mentions, MasterKey? key = null)
    {
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => _f.RestoreAsync(s, key: key));
        Assert.Equal(errorId, ex.ErrorId);
        if (mentions is not null) Assert.Contains(mentions, ex.Message);
        Assert.Empty(_f.OutputFiles());
    }

    [Theory]
    [InlineData(0, 60)]           // the header (its salt)
    [InlineData(1, 88 + 4 + 10)]  // inside the first record's ciphertext
    [InlineData(2, -1)]           // the last byte (tag of the last record)
    public async Task A_flipped_byte_is_caught(int part, int offset)
    {
        var s = await MultiPartSnapshot();
        var path = PartPath(s, part);
        var bytes = await File.ReadAllBytesAsync(path);
        var at = offset < 0 ? bytes.Length + offset : offset;
        bytes[at] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => _f.RestoreAsync(s));
        Assert.Contains(ex.ErrorId, new[] { "PartCorrupt", "PartMismatch" });
        Assert.Contains($"part-{part:D5}.oop", ex.Message);
        Assert.Empty(_f.OutputFiles());
    }

    [Fact]
    public async Task A_truncated_part_is_caught()
    {
        var s = await MultiPartSnapshot();
        var path = PartPath(s, 1);
        using (var fs = new FileStream(path, FileMode.Open)) fs.SetLength(fs.Length - 20);
        await AssertRestoreFails(s, "PartCorrupt", "part-00001.oop");
    }

    [Fact]
    public async Task A_part_cut_at_a_record_boundary_is_caught()
    {
        var s = await MultiPartSnapshot();
        var path = PartPath(s, 4);
        var bytes = await File.ReadAllBytesAsync(path);
        // Keep the header and the first record only: structurally valid, but the last-record flag is missing.
        var firstRecord = 4 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(88));
        await File.WriteAllBytesAsync(path, bytes[..(88 + firstRecord)]);
        await AssertRestoreFails(s, "PartCorrupt", "part-00004.oop");
    }

    [Fact]
    public async Task A_deleted_part_is_caught()
    {
        var s = await MultiPartSnapshot();
        File.Delete(PartPath(s, 2));
        await AssertRestoreFails(s, "PartMissing", "part-00002.oop");
    }

    [Fact]
    public async Task Swapped_parts_are_caught()
    {
        var s = await MultiPartSnapshot();
        File.Move(PartPath(s, 1), PartPath(s, 1) + ".x");
        File.Move(PartPath(s, 3), PartPath(s, 1));
        File.Move(PartPath(s, 1) + ".x", PartPath(s, 3));
        await AssertRestoreFails(s, "PartMismatch", "part-0000");
    }

    [Fact]
    public async Task A_part_copied_from_another_snapshot_of_the_same_file_is_caught()
    {
        var s = await MultiPartSnapshot();
        var other = await MultiPartSnapshot();
        File.Copy(PartPath(other, 2), PartPath(s, 2), overwrite: true);
        await AssertRestoreFails(s, "PartMismatch", "part-00002.oop");
    }

    [Fact]
    public async Task An_older_copy_of_the_same_part_is_caught()
    {
        // Same snapshot id and index but another salt: what a resumed upload could leave behind.
        var s = await MultiPartSnapshot();
        var bytes = await File.ReadAllBytesAsync(PartPath(s, 0));
        bytes[56] ^= 0xFF; // the salt
        await File.WriteAllBytesAsync(PartPath(s, 0), bytes);
        await AssertRestoreFails(s, "PartMismatch", "part-00000.oop");
    }

    [Fact]
    public async Task An_edited_manifest_is_caught()
    {
        var s = await MultiPartSnapshot();
        var path = Path.Combine(_f.SnapshotDir(s), "manifest.oom");
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[bytes.Length / 2] ^= 0x20;
        await File.WriteAllBytesAsync(path, bytes);
        await AssertRestoreFails(s, "ManifestCorrupt", "manifest");
    }

    [Fact]
    public async Task A_wrong_key_names_both_key_ids_before_reading_any_part()
    {
        var s = await MultiPartSnapshot();
        foreach (var part in Directory.GetFiles(_f.SnapshotDir(s), "part-*")) File.Delete(part);
        var other = MasterKey.Generate();
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => _f.RestoreAsync(s, key: other));
        Assert.Equal("KeyMismatch", ex.ErrorId);
        Assert.Contains(_f.Key.KeyId, ex.Message);
        Assert.Contains(other.KeyId, ex.Message);
        Assert.Empty(_f.OutputFiles());
    }

    [Theory]
    [InlineData("manifest.oom")]
    [InlineData("part-00000.oop")]
    public async Task An_unknown_format_version_is_refused(string file)
    {
        var s = await MultiPartSnapshot();
        var path = Path.Combine(_f.SnapshotDir(s), file);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[4] = 2;
        await File.WriteAllBytesAsync(path, bytes);
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => _f.RestoreAsync(s));
        Assert.Equal("UnsupportedFormatVersion", ex.ErrorId);
        Assert.Contains("version 2", ex.Message);
        Assert.Empty(_f.OutputFiles());
    }

    [Fact]
    public async Task A_failed_restore_leaves_an_existing_destination_untouched()
    {
        var s = await MultiPartSnapshot();
        var dest = Path.Combine(_f.OutDir, "restored.bin");
        await File.WriteAllTextAsync(dest, "previous content");
        File.Delete(PartPath(s, 4));
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => _f.RestoreAsync(s, dest, overwrite: true));
        Assert.Equal("PartMissing", ex.ErrorId);
        Assert.Equal("previous content", await File.ReadAllTextAsync(dest));
        Assert.Single(_f.OutputFiles());
    }

    public void Dispose() => _f.Dispose();
}
