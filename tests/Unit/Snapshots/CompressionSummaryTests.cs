using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Format;
using Xunit;

namespace OnedriveOffsite.Tests.Snapshots;

/// <summary>The Compression property says what was done to the stored bytes, not which mode was asked for.</summary>
public sealed class CompressionSummaryTests
{
    private static SnapshotManifest.PartEntry Part(PartCodec codec, long stored) => new() { Codec = codec, StoredLength = stored };

    [Fact]
    public void Parts_stored_without_zstd_say_Stored_whatever_their_size()
    {
        Assert.Equal("Stored", CompressionSummary.Describe(new[] { Part(PartCodec.Stored, 1_000_100), Part(PartCodec.Stored, 500_050) }, 1_500_000));
    }

    [Fact]
    public void Any_zstd_part_says_Zstd_with_the_stored_share_of_the_whole_source()
    {
        // One part compressed to 20 %, one stored: 600 of 1000 bytes kept.
        Assert.Equal("Zstd (60%)", CompressionSummary.Describe(new[] { Part(PartCodec.Zstd, 100), Part(PartCodec.Stored, 500) }, 1000));
        Assert.Equal("Zstd (<1%)", CompressionSummary.Describe(new[] { Part(PartCodec.Zstd, 439) }, 2_400_000));
    }

    [Fact]
    public void An_empty_source_says_Stored()
    {
        Assert.Equal("Stored", CompressionSummary.Describe(new[] { Part(PartCodec.Zstd, 64) }, 0));
    }

    [Theory]
    [InlineData("Auto", 1000, 250, "Zstd (25%)")]
    [InlineData("Auto", 1000, 1030, "Stored")]
    [InlineData("None", 1000, 1030, "Stored")]
    [InlineData("Zstd", 0, 0, "Nothing new")]
    public void Format_2_describes_the_data_the_snapshot_added(string mode, long plain, long stored, string expected)
    {
        Assert.Equal(expected, CompressionSummary.DescribeAdded(mode, plain, stored));
    }
}
