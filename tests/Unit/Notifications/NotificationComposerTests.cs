using OnedriveOffsite.Engine.Notifications;
using Xunit;

namespace OnedriveOffsite.Tests.Notifications;

public sealed class NotificationComposerTests
{
    [Theory]
    [InlineData(OperationKind.Backup, true, "Successful Offsite Backup - pve-101")]
    [InlineData(OperationKind.Backup, false, "Error - pve-101")]
    [InlineData(OperationKind.Restore, true, "Successful Offsite Restore - pve-101")]
    [InlineData(OperationKind.Restore, false, "Restore Error - pve-101")]
    public void Subjects_follow_the_old_service(OperationKind kind, bool succeeded, string subject) =>
        Assert.Equal(subject, NotificationComposer.Subject(new OperationReport { Kind = kind, Succeeded = succeeded, SetName = "pve-101" }));

    [Fact]
    public void A_success_mail_lists_the_run_facts_in_text_and_html()
    {
        var report = new OperationReport
        {
            Kind = OperationKind.Backup, Succeeded = true, SetName = "pve-101", SnapshotId = "20261120T010000Z",
            SourcePath = "/var/lib/vz/dump/vzdump-qemu-101.vma.zst", SourceSize = 10L * 1024 * 1024 * 1024, StoredSize = 10_800_000_000,
            PartCount = 42, Duration = TimeSpan.FromMinutes(75), BytesPerSecond = 2_500_000, Verification = "42 parts and SHA-256 verified <ok>",
            Host = "pve1",
        };

        var m = NotificationComposer.Compose(report);

        foreach (var expected in new[] { "20261120T010000Z", "vzdump-qemu-101.vma.zst", "10.0 GiB", "Parts: 42", "1:15:00 h", "2.4 MiB/s", "pve1" })
            Assert.Contains(expected, m.TextBody);
        Assert.Contains("42 parts and SHA-256 verified <ok>", m.TextBody);
        Assert.Contains("42 parts and SHA-256 verified &lt;ok&gt;", m.HtmlBody);
        Assert.DoesNotContain("Error", m.TextBody);
    }

    [Fact]
    public void A_failure_mail_carries_the_error_and_the_recent_log()
    {
        var report = new OperationReport
        {
            Kind = OperationKind.Backup, Succeeded = false, SetName = "pve-101", ErrorId = "UploadFailed",
            ErrorMessage = "OneDrive refused part 7", VerboseTail = new[] { "VERBOSE: part 6 stored", "WARNING: retrying part 7" },
        };

        var m = NotificationComposer.Compose(report);

        Assert.Contains("UploadFailed", m.TextBody);
        Assert.Contains("OneDrive refused part 7", m.TextBody);
        Assert.Contains("WARNING: retrying part 7", m.TextBody);
        Assert.Contains("WARNING: retrying part 7", m.HtmlBody);
    }
}
