using OnedriveOffsite.Engine.Progress;
using Xunit;

namespace OnedriveOffsite.Tests.Progress;

/// <summary>The single bar of a stream backup or restore says when OneDrive throttles it and when a request is retried.</summary>
public sealed class StreamProgressTests
{
    [Fact]
    public void A_throttled_wait_and_a_retry_show_on_the_streams_bar_and_clear_when_bytes_move()
    {
        var log = new ProgressLog();
        var progress = new StreamProgress(log, "Backing up s to t", "read");
        progress.Add(10);
        Assert.Equal("read, 0 part(s) done", log.Last(0).Status);

        progress.Retrying(2, 8, null);
        progress.Waiting(TimeSpan.FromSeconds(30));
        Assert.Equal("waiting for OneDrive (throttled, 30 s), then retrying (attempt 2 of 8)", log.Last(0).Status);
        Assert.Equal(-1, log.Last(0).BytesTotal);

        progress.Waiting(TimeSpan.Zero);
        Assert.Equal("retrying (attempt 2 of 8), read, 0 part(s) done", log.Last(0).Status);
        progress.PartStored(10, 10);
        progress.Add(10);
        Assert.Equal("read, 1 part(s) done", log.Last(0).Status);
    }
}
