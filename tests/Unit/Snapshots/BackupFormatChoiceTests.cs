using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Errors;
using Xunit;
using F = OnedriveOffsite.Tests.Snapshots.EngineFixture;

namespace OnedriveOffsite.Tests.Snapshots;

/// <summary>
/// Which format Start-OffsiteBackup writes (docs/DECISIONS.md "Format 2 is the default"). A real interrupted format 1
/// run continued by a rerun without -Format: tests/Pester/Format.Tests.ps1.
/// </summary>
public sealed class BackupFormatChoiceTests : IDisposable
{
    private readonly F _f = new();
    private readonly string _source;
    private readonly ResumeJournal _journal;

    public BackupFormatChoiceTests()
    {
        _source = _f.WriteSource("vm.bin", F.Random(4 * (int)F.Part, 3));
        _journal = ResumeJournal.For(new ConfigHome(Path.Combine(_f.Root, "home")), _f.Repository.Description, "set1", _source);
    }

    public void Dispose() => _f.Dispose();

    private BackupRequest Request(CompressionMode compression = CompressionMode.Auto) =>
        new(_source, "set1", Compression: compression, SegmentSize: F.Segment);

    /// <summary>The journal a format 1 run of the source as it is now leaves when it is killed after its first part.</summary>
    private void SaveInterruptedRun(string? keyId = null)
    {
        var source = new FileInfo(_source);
        _journal.Save(new JournalState
        {
            SnapshotId = "00112233445566778899aabbccddeeff", SnapshotFolder = "20261203T120000000Z-00112233", CreatedUtc = DateTime.UtcNow,
            SourcePath = source.FullName, SourceLength = source.Length, SourceLastWriteTimeUtc = source.LastWriteTimeUtc,
            PartSize = F.Part, SegmentSize = F.Segment, Compression = nameof(CompressionMode.Auto), KeyId = keyId ?? _f.Key.KeyId,
        });
    }

    private static string NotAsked() => throw new InvalidOperationException("the key was loaded although no journal exists");

    [Fact]
    public void Without_format_or_a_format_1_parameter_a_backup_is_format_2_and_needs_no_reason()
    {
        var choice = BackupFormatChoice.FromParameters(null, partSize: false, resume: false);
        Assert.Equal(2, choice.Format);
        Assert.Equal(BackupFormatChoice.Default, choice.Format);
        Assert.Null(choice.Reason);
    }

    [Theory]
    [InlineData(1, false, false)]
    [InlineData(1, true, true)]
    [InlineData(2, false, false)]
    public void A_format_given_is_the_format_without_a_reason(int format, bool partSize, bool resume)
    {
        var choice = BackupFormatChoice.FromParameters(format, partSize, resume);
        Assert.Equal(format, choice.Format);
        Assert.Null(choice.Reason);
    }

    [Theory]
    [InlineData(true, false, "-PartSize without -Format")]
    [InlineData(false, true, "-Resume without -Format")]
    [InlineData(true, true, "-PartSize and -Resume without -Format")]
    public void PartSize_or_Resume_without_format_make_it_format_1_and_say_so(bool partSize, bool resume, string reasonStart)
    {
        var choice = BackupFormatChoice.FromParameters(null, partSize, resume);
        Assert.Equal(1, choice.Format);
        Assert.StartsWith(reasonStart, choice.Reason);
        Assert.Contains("format 1", choice.Reason);
    }

    [Theory]
    [InlineData(true, false, "-PartSize")]
    [InlineData(false, true, "-Resume")]
    [InlineData(true, true, "-PartSize and -Resume")]
    public void Format_2_with_PartSize_or_Resume_fails_with_FormatParameterConflict_naming_them(bool partSize, bool resume, string named)
    {
        var error = Assert.Throws<OffsiteException>(() => BackupFormatChoice.FromParameters(2, partSize, resume));
        Assert.Equal(ErrorIds.Backup.FormatParameterConflict, error.ErrorId);
        Assert.Equal(OffsiteErrorCategory.InvalidArgument, error.Category);
        Assert.StartsWith($"-Format 2 cannot be combined with {named}:", error.Message);
        Assert.Contains("-Format 1", error.Message);
    }

    [Fact]
    public void A_default_run_stays_format_2_without_asking_for_the_key_when_the_file_has_no_resume_journal()
    {
        var choice = BackupFormatChoice.FromParameters(null, false, false).ForFile(Request(), _journal, NotAsked);
        Assert.Equal(2, choice.Format);
        Assert.Null(choice.Reason);
    }

    [Fact]
    public void A_default_run_continues_an_interrupted_format_1_backup_of_the_unchanged_file_in_format_1_and_says_so()
    {
        SaveInterruptedRun();
        var choice = BackupFormatChoice.FromParameters(null, false, false).ForFile(Request(), _journal, () => _f.Key.KeyId);
        Assert.Equal(1, choice.Format);
        Assert.Contains("interrupted format 1 backup", choice.Reason);
        Assert.Contains("20261203T120000000Z-00112233", choice.Reason);
        Assert.Contains("continued in format 1", choice.Reason);
    }

    [Fact]
    public void A_default_run_is_format_2_when_the_interrupted_run_would_not_be_continued_changed_file_compression_or_key()
    {
        SaveInterruptedRun();
        var defaults = BackupFormatChoice.FromParameters(null, false, false);
        Assert.Equal(2, defaults.ForFile(Request(CompressionMode.Zstd), _journal, () => _f.Key.KeyId).Format);
        Assert.Equal(2, defaults.ForFile(Request(), _journal, () => "0123456789abcdef").Format);
        File.AppendAllText(_source, "changed");
        Assert.Equal(2, defaults.ForFile(Request(), _journal, () => _f.Key.KeyId).Format);
    }

    [Fact]
    public void An_explicit_format_or_a_format_1_parameter_is_kept_whatever_the_resume_journal_holds()
    {
        SaveInterruptedRun();
        Assert.Equal(2, BackupFormatChoice.FromParameters(2, false, false).ForFile(Request(), _journal, NotAsked).Format);
        Assert.Equal(1, BackupFormatChoice.FromParameters(1, false, false).ForFile(Request(), _journal, NotAsked).Format);
        var partSize = BackupFormatChoice.FromParameters(null, true, false).ForFile(Request(), _journal, NotAsked);
        Assert.Equal(1, partSize.Format);
        Assert.StartsWith("-PartSize without -Format", partSize.Reason);
    }
}
