using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Repositories.Memory;
using OnedriveOffsite.Engine.Repositories.OneDrive;
using Xunit;

namespace OnedriveOffsite.Tests.Snapshots;

public sealed class PartSizingTests
{
    private static readonly MemoryRepository Plain = new();

    [Fact]
    public void An_asked_part_size_always_wins()
    {
        Assert.Equal(1L << 20, PartSizing.Choose(1L << 20, 10L << 30, new JournalState { PartSize = 5L << 20 }, Plain));
    }

    [Fact]
    public void Without_one_a_repository_with_no_preference_uses_256_MiB_and_OneDrive_prefers_64_MiB()
    {
        Assert.Equal(256L << 20, PartSizing.Choose(null, 10L << 30, null, Plain));
        Assert.Equal(64L << 20, OneDriveRepository.PreferredPartBytes);
    }

    [Fact]
    public void Without_one_a_huge_file_gets_parts_large_enough_for_one_manifest()
    {
        var length = 100L << 40; // 100 TiB: 64 MiB parts would be 1.6 million
        var size = PartSizing.Choose(null, length, null, Plain);
        Assert.True((length + size - 1) / size <= ManifestCodec.MaxParts);
        Assert.True(size > 256L << 20);
    }

    [Fact]
    public void Without_one_an_interrupted_runs_part_size_is_adopted()
    {
        Assert.Equal(5L << 20, PartSizing.Choose(null, 10L << 30, new JournalState { PartSize = 5L << 20 }, Plain));
    }
}
