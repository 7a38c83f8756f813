using ICSharpCode.SharpZipLib.Tar;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Legacy;
using Xunit;

namespace OnedriveOffsite.Tests.Legacy;

/// <summary>
/// Every way a legacy backup can be wrong ends in its own ErrorId with nothing left under (or beside) the
/// destination. Small chunks (1,000 bytes, 3 per archive) keep these fast; the code paths are the same.
/// </summary>
public sealed class LegacyFailureTests : IDisposable
{
    private const int Length = 7_500;   // 8 chunks over 3 archives
    private readonly TempFolder _temp = new();
    private readonly string _key = LegacyArchiveWriter.NewKeyText();

    public void Dispose() => _temp.Dispose();

    private string Destination => _temp.Sub("out/restored.bin");

    private WrittenBackup Write(Func<int, TarMember, IEnumerable<TarMember>>? tamper = null, string? key = null, string baseName = "offsite_backup.tar.gz", string folder = "backup")
    {
        Directory.CreateDirectory(_temp.Sub("out"));
        return new LegacyArchiveWriter(key ?? _key) { ChunkSize = 1_000, MembersPerArchive = 3, Tamper = tamper, BaseName = baseName }
            .Write(_temp.Sub(folder), Length, seed: 42);
    }

    private Task<OffsiteException> FailsWith(string errorId, WrittenBackup backup, string? expected = null, string? key = null) =>
        LegacyTestData.AssertFailsCleanly(errorId, Destination,
            () => LegacyTestData.Restore(backup.Folder, LegacyKey.Parse(key ?? _key), Destination, expected));

    private static byte[] Flip(byte[] token, int index)
    {
        var copy = (byte[])token.Clone();
        copy[index] = copy[index] == (byte)'A' ? (byte)'B' : (byte)'A';   // still valid base64, different bytes
        return copy;
    }

    [Fact]
    public async Task Control_the_untampered_backup_restores()
    {
        var backup = Write();
        var result = await LegacyTestData.Restore(backup.Folder, LegacyKey.Parse(_key), Destination, backup.Sha256);
        Assert.Equal((3, 8, Length, true), (result.ArchiveCount, result.ChunkCount, result.Length, result.VerifiedAgainstExpectedHash));
    }

    [Fact]
    public async Task Wrong_key_is_reported_as_a_key_mismatch()
    {
        var e = await FailsWith("LegacyKeyMismatch", Write(), key: LegacyArchiveWriter.NewKeyText());
        Assert.Contains("key does not match", e.Message);
    }

    [Fact]
    public async Task Wrong_key_on_a_one_chunk_backup_is_a_key_mismatch()
    {
        Directory.CreateDirectory(_temp.Sub("out"));
        var backup = new LegacyArchiveWriter(_key) { ChunkSize = 1_000 }.Write(_temp.Sub("one"), 10, seed: 1);
        await LegacyTestData.AssertFailsCleanly("LegacyKeyMismatch", Destination,
            () => LegacyTestData.Restore(backup.Folder, LegacyKey.Parse(LegacyArchiveWriter.NewKeyText()), Destination));
    }

    [Fact]
    public async Task Flipped_byte_in_a_later_token_is_a_corrupt_token_naming_archive_and_member()
    {
        var e = await FailsWith("LegacyTokenCorrupt", Write((n, m) => [n == 5 ? m with { Data = Flip(m.Data, 700) } : m]));
        Assert.Contains("0002_offsite_backup.tar.gz", e.Message);
        Assert.Contains("5_backup.crypt", e.Message);
    }

    [Fact]
    public async Task Flipped_byte_in_the_first_token_is_corruption_not_a_wrong_key()
    {
        var e = await FailsWith("LegacyTokenCorrupt", Write((n, m) => [n == 1 ? m with { Data = Flip(m.Data, 200) } : m]));
        Assert.Contains("1_backup.crypt", e.Message);
    }

    [Fact]
    public async Task Wrong_version_byte_and_non_base64_are_corrupt_tokens()
    {
        // 'A' as first character decodes to a first byte below 0x80.
        await FailsWith("LegacyTokenCorrupt", Write((n, m) => [n == 2 ? m with { Data = [(byte)'A', .. m.Data[1..]] } : m]));
        File.Delete(Destination);
        Directory.Delete(_temp.Sub("backup"), true);
        await FailsWith("LegacyTokenCorrupt", Write((n, m) => [n == 3 ? m with { Data = [.. m.Data[..^4], .. "*==="u8] } : m]));
    }

    [Fact]
    public async Task Missing_member_is_reported()
    {
        var e = await FailsWith("LegacyMemberMissing", Write((n, m) => n == 4 ? [] : [m]));
        Assert.Contains("number 4", e.Message);
    }

    [Fact]
    public async Task Missing_last_member_of_a_non_final_archive_is_reported()
    {
        await FailsWith("LegacyMemberMissing", Write((n, m) => n == 6 ? [] : [m]));
    }

    [Fact]
    public async Task Duplicated_member_is_reported()
    {
        await FailsWith("LegacyMemberDuplicate", Write((n, m) => n == 4 ? [m, m] : [m]));
    }

    [Fact]
    public async Task Members_out_of_order_are_refused()
    {
        // Member 3 written after member 2's successor: the numbering must run 1..N in stream order.
        TarMember? held = null;
        await FailsWith("LegacyMemberMissing", Write((n, m) =>
        {
            if (n == 2) { held = m; return []; }
            return n == 3 ? [m, held!] : [m];
        }));
    }

    [Fact]
    public async Task Missing_archive_is_reported()
    {
        var backup = Write();
        File.Delete(Path.Combine(backup.Folder, backup.Archives[1]));
        var e = await FailsWith("LegacyArchiveMissing", backup);
        Assert.Contains("number 2", e.Message);
    }

    [Fact]
    public async Task Duplicate_archive_counter_is_reported()
    {
        var backup = Write();
        File.Copy(Path.Combine(backup.Folder, backup.Archives[1]), Path.Combine(backup.Folder, "00002_offsite_backup.tar.gz"));
        await FailsWith("LegacyArchiveDuplicate", backup);
    }

    [Fact]
    public async Task Two_backups_in_one_folder_are_refused_naming_both()
    {
        var backup = Write();
        Write(baseName: "other.tar.gz");
        var e = await FailsWith("LegacyMultipleBackups", backup);
        Assert.Contains("'offsite_backup.tar.gz'", e.Message);
        Assert.Contains("'other.tar.gz'", e.Message);
    }

    [Fact]
    public async Task Folder_without_archives_is_not_found()
    {
        Directory.CreateDirectory(_temp.Sub("out"));
        Directory.CreateDirectory(_temp.Sub("empty"));
        File.WriteAllText(_temp.Sub("empty/readme.txt"), "x");
        await LegacyTestData.AssertFailsCleanly("LegacyBackupNotFound", Destination,
            () => LegacyTestData.Restore(_temp.Sub("empty"), LegacyKey.Parse(_key), Destination));
        await LegacyTestData.AssertFailsCleanly("LegacyBackupNotFound", Destination,
            () => LegacyTestData.Restore(_temp.Sub("does-not-exist"), LegacyKey.Parse(_key), Destination));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("/etc/x")]
    [InlineData("sub/1_backup.crypt")]
    [InlineData("1_backup.crypt.sh")]
    public async Task Member_with_an_unsafe_name_is_refused_and_nothing_is_written_there(string name)
    {
        var e = await FailsWith("LegacyUnsafeMemberName", Write((n, m) => [n == 2 ? m with { Name = name } : m]));
        Assert.Contains(name, e.Message);
        Assert.False(File.Exists(_temp.Sub("x")));
        Assert.False(Directory.Exists(_temp.Sub("backup/sub")));
    }

    [Theory]
    [InlineData(TarHeader.LF_SYMLINK)]
    [InlineData(TarHeader.LF_LINK)]
    [InlineData(TarHeader.LF_DIR)]
    public async Task Links_and_directories_are_refused_even_with_a_valid_name(byte type)
    {
        await FailsWith("LegacyUnsafeMemberName", Write((n, m) => [n == 2 ? m with { TypeFlag = type } : m]));
    }

    [Fact]
    public async Task Wrong_expected_hash_shows_both_hashes()
    {
        var backup = Write();
        var wrong = new string('0', 64);
        var e = await FailsWith("LegacyHashMismatch", backup, expected: wrong);
        Assert.Contains(wrong, e.Message);
        Assert.Contains(backup.Sha256, e.Message);
    }

    [Fact]
    public async Task Malformed_expected_hash_is_an_invalid_argument()
    {
        var e = await FailsWith("LegacyExpectedHashInvalid", Write(), expected: "abc");
        Assert.Equal(OffsiteErrorCategory.InvalidArgument, e.Category);
    }

    [Fact]
    public async Task Invalid_key_file_is_refused_before_anything_is_read()
    {
        Write();
        var keyFile = _temp.Sub("bad.key");
        File.WriteAllText(keyFile, _key[..40] + "!!!!");
        await LegacyTestData.AssertFailsCleanly("LegacyKeyInvalid", Destination,
            () => LegacyTestData.Restore(_temp.Sub("backup"), LegacyKey.Load(keyFile), Destination));
    }

    [Fact]
    public async Task Truncated_archive_is_corrupt()
    {
        var backup = Write();
        var path = Path.Combine(backup.Folder, backup.Archives[1]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = await FailsWith("LegacyArchiveCorrupt", backup);
        Assert.Contains(backup.Archives[1], e.Message);
    }

    [Fact]
    public async Task Damaged_gzip_trailer_is_corrupt()
    {
        var backup = Write();
        var path = Path.Combine(backup.Folder, backup.Archives[2]);
        var bytes = File.ReadAllBytes(path);
        bytes[^6] ^= 0xff;   // inside the CRC-32 of the gzip trailer
        File.WriteAllBytes(path, bytes);
        await FailsWith("LegacyArchiveCorrupt", backup);
    }

    [Fact]
    public async Task Short_chunk_in_the_middle_is_refused()
    {
        // Each piece authenticates, but a short chunk before the end means pieces of different backups.
        var writer = new LegacyArchiveWriter(_key);
        await FailsWith("LegacyChunkSizeInconsistent", Write((n, m) => [n == 3 ? m with { Data = writer.EncryptToken(new byte[500]) } : m]));
    }

    [Fact]
    public async Task Cancellation_stops_the_restore_and_leaves_nothing()
    {
        var backup = Write();
        using var cts = new CancellationTokenSource();
        var observer = new CancelOnProgress(cts);
        var before = Directory.GetFileSystemEntries(_temp.Sub("out"));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => LegacyTestData.Restore(backup.Folder, LegacyKey.Parse(_key), Destination, observer: observer, ct: cts.Token));
        Assert.Equal(before, Directory.GetFileSystemEntries(_temp.Sub("out")));
    }

    [Fact]
    public void Archives_are_ordered_numerically_past_9999()
    {
        var names = Enumerable.Range(1, 10_002).Select(i => $"{i:D4}_b.tar.gz").Reverse().ToList();
        var set = LegacyArchiveSet.Select(names.Select(n => new LegacyArchiveInfo(n, 1, null)), "test");
        Assert.Equal(Enumerable.Range(1, 10_002).Select(i => $"{i:D4}_b.tar.gz"), set.Archives.Select(a => a.Name));
        Assert.Equal("9999_b.tar.gz", set.Archives[9998].Name);
        Assert.Equal("10000_b.tar.gz", set.Archives[9999].Name);
        Assert.Equal("b.tar.gz", set.BaseName);
    }

    /// <summary>Cancels once the restore has started reading (a real mid-run cancellation).</summary>
    private sealed class CancelOnProgress(CancellationTokenSource cts) : Engine.Progress.IOperationObserver
    {
        public void Verbose(string message)
        {
            if (message.StartsWith("Archive 2 ", StringComparison.Ordinal)) cts.Cancel();
        }
        public void Warning(string message) { }
        public void Progress(Engine.Progress.OperationProgress progress) { }
    }
}
