using System.Security.Cryptography;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Legacy;
using Xunit;
using OnedriveOffsite.Engine.Repositories.Local;

namespace OnedriveOffsite.Tests.Legacy;

/// <summary>The sample made by the old service's own code (tests/data/legacy).</summary>
public sealed class LegacyFixtureTests
{
    [Fact]
    public async Task Sample_restores_bit_exactly_and_verifies_against_its_hash_file()
    {
        using var temp = new TempFolder();
        var destination = temp.Sub("restored.bin");
        var observer = new RecordingObserver();
        var expected = LegacyHashFile.Read(LegacyTestData.HashFile);

        var result = await LegacyTestData.Restore(LegacyTestData.SampleFolder, LegacyKey.Load(LegacyTestData.KeyFile), destination, expected, observer);

        Assert.Equal(File.ReadAllBytes(LegacyTestData.Original), File.ReadAllBytes(destination));
        Assert.Equal(Path.GetFullPath(destination), result.Destination);
        Assert.Equal(25_500, result.Length);
        Assert.Equal(expected, result.Sha256);
        Assert.True(result.VerifiedAgainstExpectedHash);
        Assert.Equal(3, result.ArchiveCount);
        Assert.Equal(26, result.ChunkCount);
        Assert.Empty(observer.Warnings);
        Assert.Single(Directory.GetFileSystemEntries(temp.Path));
        var last = observer.Progress.Last();
        Assert.True(last.Completed);
        Assert.Equal(new DirectoryInfo(LegacyTestData.SampleFolder).GetFiles().Sum(f => f.Length), last.BytesDone);
        Assert.Contains(observer.Verbose, v => v.Contains("0002_multi_backup.tar.gz"));
    }

    [Fact]
    public async Task Without_expected_hash_it_restores_but_warns_that_the_whole_file_was_not_checked()
    {
        using var temp = new TempFolder();
        var destination = temp.Sub("restored.bin");
        var observer = new RecordingObserver();

        var result = await LegacyTestData.Restore(LegacyTestData.SampleFolder, LegacyKey.Load(LegacyTestData.KeyFile), destination, null, observer);

        Assert.False(result.VerifiedAgainstExpectedHash);
        Assert.Equal(File.ReadAllBytes(LegacyTestData.Original), File.ReadAllBytes(destination));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(LegacyTestData.Original))).ToLowerInvariant(), result.Sha256);
        var warning = Assert.Single(observer.Warnings);   // the last chunk is short, so no missing-archive warning
        Assert.Contains("not checked against an independent hash", warning);
    }

    [Fact]
    public async Task Sample_restores_from_a_forward_only_source_that_returns_short_reads()
    {
        using var temp = new TempFolder();
        var folder = temp.Sub("copy");
        Directory.CreateDirectory(folder);
        foreach (var f in Directory.GetFiles(LegacyTestData.SampleFolder)) File.Copy(f, Path.Combine(folder, Path.GetFileName(f)));
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not an archive");
        var observer = new RecordingObserver();

        var result = await new LegacyRestoreOperation().RunAsync(new TrickleSource(new LocalLegacyArchiveSource(folder)),
            LegacyKey.Load(LegacyTestData.KeyFile), temp.Sub("restored.bin"), LegacyHashFile.Read(LegacyTestData.HashFile), false, observer, default);

        Assert.True(result.VerifiedAgainstExpectedHash);
        Assert.Equal(File.ReadAllBytes(LegacyTestData.Original), File.ReadAllBytes(result.Destination));
        Assert.Contains(observer.Verbose, v => v.Contains("Ignoring 'notes.txt'"));
    }

    /// <summary>Like a network download: not seekable, no length, and every read returns only a few bytes.</summary>
    private sealed class TrickleSource(ILegacyArchiveSource inner) : ILegacyArchiveSource
    {
        public string Description => inner.Description;
        public Task<IReadOnlyList<LegacyArchiveInfo>> ListArchivesAsync(CancellationToken ct) => inner.ListArchivesAsync(ct);
        public async Task<Stream> OpenArchiveAsync(LegacyArchiveInfo archive, CancellationToken ct) =>
            new TrickleStream(await inner.OpenArchiveAsync(archive, ct));
    }

    private sealed class TrickleStream(Stream inner) : Stream
    {
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 777));
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

    [Fact]
    public async Task Existing_destination_is_refused_without_overwrite_and_left_untouched()
    {
        using var temp = new TempFolder();
        var destination = temp.Sub("restored.bin");
        File.WriteAllText(destination, "keep me");

        var e = await Assert.ThrowsAsync<OffsiteException>(
            () => LegacyTestData.Restore(LegacyTestData.SampleFolder, LegacyKey.Load(LegacyTestData.KeyFile), destination));
        Assert.Equal("DestinationExists", e.ErrorId);
        Assert.Equal("keep me", File.ReadAllText(destination));
        Assert.Single(Directory.GetFileSystemEntries(temp.Path));

        var result = await LegacyTestData.Restore(LegacyTestData.SampleFolder, LegacyKey.Load(LegacyTestData.KeyFile), destination,
            LegacyHashFile.Read(LegacyTestData.HashFile), overwrite: true);
        Assert.True(result.VerifiedAgainstExpectedHash);
        Assert.Equal(File.ReadAllBytes(LegacyTestData.Original), File.ReadAllBytes(destination));
    }

    [Fact]
    public void Key_parses_with_a_trailing_newline_and_never_shows_itself()
    {
        var text = File.ReadAllText(LegacyTestData.KeyFile);
        var key = LegacyKey.Parse(text + "\n");
        Assert.DoesNotContain(text[..10], key.ToString());
        Assert.DoesNotContain(text[..10], $"{key}");
    }

    [Theory]
    [InlineData("")]
    [InlineData("tooshort")]
    [InlineData("ozdzo6NiLmby-F3_fKtVMlQr8GQE8ORZtQApXsQiLV8")]      // 43 characters
    [InlineData("ozdzo6NiLmby-F3_fKtVMlQr8GQE8ORZtQApXsQiLV8==")]    // 45 characters
    [InlineData("ozdzo6NiLmby-F3_fKtVMlQr8GQE8ORZtQApXsQiLV*=")]     // not base64
    [InlineData("ozdzo6NiLmby-F3_fKtVMlQr8GQE8ORZtQApXsQiLV8=ozdzo6NiLmby-F3_fKtVMlQr8GQE8ORZtQApXsQiLV8=")]
    public void Invalid_key_text_is_refused_without_echoing_it(string text)
    {
        var e = Assert.Throws<OffsiteException>(() => LegacyKey.Parse(text));
        Assert.Equal("LegacyKeyInvalid", e.ErrorId);
        if (text.Length > 8) Assert.DoesNotContain(text[..8], e.Message);
    }

    [Fact]
    public void Key_file_errors_have_their_ids()
    {
        using var temp = new TempFolder();
        var bad = temp.Sub("bad.key");
        File.WriteAllText(bad, "this is not a fernet key at all, clearly....");
        Assert.Equal("LegacyKeyInvalid", Assert.Throws<OffsiteException>(() => LegacyKey.Load(bad)).ErrorId);
        File.WriteAllBytes(bad, new byte[4096]);
        Assert.Equal("LegacyKeyInvalid", Assert.Throws<OffsiteException>(() => LegacyKey.Load(bad)).ErrorId);
        Assert.Equal("LegacyKeyNotFound", Assert.Throws<OffsiteException>(() => LegacyKey.Load(temp.Sub("none.key"))).ErrorId);
    }

    [Theory]
    [InlineData("8de82e7258f56246fda227f575662ca05039340b1651e77c38affac843d598bd\n")]
    [InlineData("8DE82E7258F56246FDA227F575662CA05039340B1651E77C38AFFAC843D598BD \r\n")]
    public void Hash_file_tolerates_trailing_white_space_and_case(string content)
    {
        using var temp = new TempFolder();
        var path = temp.Sub("sha256hash_x");
        File.WriteAllText(path, content);
        Assert.Equal("8de82e7258f56246fda227f575662ca05039340b1651e77c38affac843d598bd", LegacyHashFile.Read(path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("8de82e7258f56246fda227f575662ca05039340b1651e77c38affac843d598b")]
    [InlineData("8de82e7258f56246fda227f575662ca05039340b1651e77c38affac843d598bdd")]
    [InlineData("zde82e7258f56246fda227f575662ca05039340b1651e77c38affac843d598bd")]
    public void Hash_file_with_anything_but_64_hex_characters_is_refused(string content)
    {
        using var temp = new TempFolder();
        var path = temp.Sub("sha256hash_x");
        File.WriteAllText(path, content);
        Assert.Equal("LegacyHashFileInvalid", Assert.Throws<OffsiteException>(() => LegacyHashFile.Read(path)).ErrorId);
        Assert.Equal("LegacyHashFileNotFound", Assert.Throws<OffsiteException>(() => LegacyHashFile.Read(temp.Sub("none"))).ErrorId);
    }

    [Fact]
    public void Lister_finds_subfolders_holding_archives()
    {
        using var temp = new TempFolder();
        var backup = temp.Sub("sample_multi");
        Directory.CreateDirectory(backup);
        foreach (var f in Directory.GetFiles(LegacyTestData.SampleFolder)) File.Copy(f, Path.Combine(backup, Path.GetFileName(f)));
        Directory.CreateDirectory(temp.Sub("empty"));
        Directory.CreateDirectory(temp.Sub("other"));
        File.WriteAllText(Path.Combine(temp.Sub("other"), "notes.txt"), "x");
        File.WriteAllText(Path.Combine(temp.Sub("other"), "001_too_short_a_counter"), "x");

        var info = Assert.Single(LegacyBackupLister.ListLocal(temp.Path));

        Assert.Equal("sample_multi", info.Name);
        Assert.Equal(3, info.ArchiveCount);
        Assert.Equal(new DirectoryInfo(LegacyTestData.SampleFolder).GetFiles().Sum(f => f.Length), info.StoredSize);
        Assert.NotNull(info.LastModified);
        Assert.Equal("LegacyBackupNotFound", Assert.Throws<OffsiteException>(() => LegacyBackupLister.ListLocal(temp.Sub("missing"))).ErrorId);
    }
}
