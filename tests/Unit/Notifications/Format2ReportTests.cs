using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Notifications;
using OnedriveOffsite.Tests.Dedup;
using OnedriveOffsite.Tests.Snapshots;
using Xunit;

namespace OnedriveOffsite.Tests.Notifications;

/// <summary>
/// The mails of format 2 runs (the default format) describe format 2: no "Parts" line (a format 2 snapshot has no parts;
/// its chunks are in packs shared with the set's other snapshots), the packs a backup added, and what a restore checked.
/// </summary>
public sealed class Format2ReportTests : IDisposable
{
    private readonly DedupFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task A_format_2_backup_mail_names_the_packs_it_added_and_has_no_parts_line()
    {
        var source = _f.Engine.WriteSource("vm.img", EngineFixture.Random(300_000, 5));
        await _f.BackupAsync(source);
        var unchanged = await _f.BackupAsync(source);
        var report = OperationReports.DedupBackupSucceeded(new BackupRequest(source, "set1"), unchanged, []);

        Assert.Null(report.PartCount);
        Assert.StartsWith($"SHA-256 {unchanged.Snapshot.Sha256} computed while reading; 0 new pack(s) (0 bytes) stored", report.Verification);
        var mail = NotificationComposer.Compose(report);
        Assert.DoesNotContain("Parts:", mail.TextBody);
        Assert.Contains("0 new pack(s)", mail.TextBody);
    }

    [Fact]
    public async Task A_format_2_restore_mail_says_every_chunk_was_authenticated_and_the_SHA256_matched_with_no_parts_line()
    {
        var source = _f.Engine.WriteSource("vm.img", EngineFixture.Random(300_000, 6));
        await _f.BackupAsync(source);
        var unchanged = await _f.BackupAsync(source);
        var restored = await _f.RestoreAsync(unchanged.Snapshot);
        var report = OperationReports.RestoreSucceeded("set1", restored, []);

        Assert.Null(report.PartCount);
        Assert.Equal($"Every chunk authenticated; whole-file SHA-256 {restored.Sha256} matches the original", report.Verification);
        Assert.DoesNotContain("Parts:", NotificationComposer.Compose(report).TextBody);
    }

    [Fact]
    public async Task A_format_1_restore_mail_still_counts_its_parts()
    {
        var source = _f.Engine.WriteSource("vm.img", EngineFixture.Random(4 * (int)EngineFixture.Part, 7));
        var snapshot = await _f.Engine.BackupAsync(source);
        var restored = await _f.Engine.RestoreAsync(snapshot);
        var report = OperationReports.RestoreSucceeded("set1", restored, []);

        Assert.Equal(4, report.PartCount);
        Assert.StartsWith("All 4 part(s) authenticated and hashed; whole-file SHA-256 ", report.Verification);
        Assert.Contains("Parts: 4", NotificationComposer.Compose(report).TextBody);
    }
}
