using System.Diagnostics;
using System.Security.Cryptography;
using OnedriveOffsite.Engine.Legacy;
using Xunit;
using Xunit.Abstractions;

namespace OnedriveOffsite.Tests.Legacy;

/// <summary>Production-sized members: 30,000,000-byte chunks (40,000,100-character tokens).</summary>
public sealed class LegacyProductionSizeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Production_size_chunks_over_several_archives_with_a_one_byte_last_chunk_restore_bit_exactly()
    {
        using var temp = new TempFolder();
        var key = LegacyArchiveWriter.NewKeyText();
        const long length = 3L * LegacyArchiveWriter.ProductionChunkSize + 1;   // 4 members: 30 MB, 30 MB, 30 MB, 1 byte
        var clock = Stopwatch.StartNew();
        var backup = new LegacyArchiveWriter(key) { MembersPerArchive = 2, CompressionLevel = 0 }.Write(temp.Sub("backup"), length, seed: 7);
        var written = clock.Elapsed;
        Assert.Equal(2, backup.Archives.Count);
        var observer = new RecordingObserver();

        clock.Restart();
        var result = await LegacyTestData.Restore(backup.Folder, LegacyKey.Parse(key), temp.Sub("restored.bin"), backup.Sha256, observer);
        output.WriteLine($"generated in {written.TotalSeconds:F1} s, restored in {clock.Elapsed.TotalSeconds:F1} s");

        Assert.Equal((length, 4, 2, true), (result.Length, result.ChunkCount, result.ArchiveCount, result.VerifiedAgainstExpectedHash));
        Assert.Equal(length, new FileInfo(result.Destination).Length);
        await using (var restored = File.OpenRead(result.Destination))
            Assert.Equal(backup.Sha256, Convert.ToHexString(await SHA256.HashDataAsync(restored)).ToLowerInvariant());
        Assert.Empty(observer.Warnings);
        Assert.Single(Directory.GetFiles(temp.Path));
    }
}
