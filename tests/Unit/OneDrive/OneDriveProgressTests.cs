using System.Text;
using OnedriveOffsite.Engine.Compression;
using Xunit;

namespace OnedriveOffsite.Tests.OneDrive;

/// <summary>What a part's bar says while its bytes go to OneDrive (emulator).</summary>
public sealed class OneDriveProgressTests
{
    [Fact]
    public async Task A_compressed_part_says_how_much_of_its_upload_is_sent_after_it_was_encoded()
    {
        await using var f = await OneDriveFixture.StartAsync();
        // Text compresses: zstd parts have no size known in advance, so each is encoded first and uploaded after.
        var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 400_000).Select(i => $"line {i} of a log\n")));
        var source = f.WriteSource("log.txt", text);
        await f.BackupAsync(source, partSize: 2 << 20, mode: CompressionMode.Zstd);

        var partStatuses = f.Observer.Updates.Where(u => u.ParentId == 0).Select(u => (u.Activity, u.Status)).ToList();
        Assert.Contains(partStatuses, s => s.Activity == "part-00000.oop" && s.Status == "reading, compressing, encrypting");
        Assert.Contains(partStatuses, s => s.Activity == "part-00000.oop" && s.Status == "uploading (0% sent)");
        Assert.All(partStatuses.Where(s => s.Status.StartsWith("uploading", StringComparison.Ordinal)), s => Assert.Matches(@"^uploading \(\d{1,3}% sent\)$", s.Status));
        Assert.All(f.Observer.Updates.Where(u => u.Completed && u.ParentId == 0), u => Assert.Matches(@"^part-\d{5}\.oop$", u.Activity));
        f.AssertCleanProtocol();
    }
}
