using System.Diagnostics;
using OnedriveOffsite.Engine.Legacy;
using Xunit;
using Xunit.Abstractions;

namespace OnedriveOffsite.Tests.Legacy;

/// <summary>
/// Bounded memory: restoring ~300 MB of production-size legacy data must keep the process' resident set
/// growth far below the 400 MiB budget. Method: after generating the archives, force a compacting, decommitting
/// GC and take the working set as baseline; during the restore a background thread samples
/// Process.WorkingSet64 every 5 ms; the peak sample minus the baseline is the growth.
/// (PeakWorkingSet64 cannot be used: it would include the generator's own peak.)
/// </summary>
[Collection(nameof(ProcessMemoryCollection))]
public sealed class LegacyMemoryTests(ITestOutputHelper output)
{
    private const long MiB = 1 << 20;

    [Fact]
    [Trait("Category", "Slow")]   // ~10 s alone, ~30 s on the shared build machine: generates and restores 400 MB
    public async Task Restoring_300_MB_keeps_working_set_growth_well_under_400_MiB()
    {
        using var temp = new TempFolder();
        var key = LegacyArchiveWriter.NewKeyText();
        const long length = 10L * LegacyArchiveWriter.ProductionChunkSize + 12_345;   // 11 members, 4 archives
        var backup = new LegacyArchiveWriter(key) { MembersPerArchive = 3, CompressionLevel = 0 }.Write(temp.Sub("backup"), length, seed: 99);

        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var baseline = process.WorkingSet64;
        long peak = baseline;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            using var self = Process.GetCurrentProcess();
            while (!stop.IsCancellationRequested)
            {
                self.Refresh();
                peak = Math.Max(peak, self.WorkingSet64);
                await Task.Delay(5).ConfigureAwait(false);
            }
        });

        var clock = Stopwatch.StartNew();
        var result = await LegacyTestData.Restore(backup.Folder, LegacyKey.Parse(key), temp.Sub("restored.bin"), backup.Sha256);
        clock.Stop();
        stop.Cancel();
        await sampler;
        process.Refresh();
        peak = Math.Max(peak, process.WorkingSet64);

        var growth = peak - baseline;
        output.WriteLine($"restored {result.Length / MiB} MiB in {clock.Elapsed.TotalSeconds:F1} s; working set baseline {baseline / MiB} MiB, " +
            $"peak {peak / MiB} MiB, growth {growth / MiB} MiB");
        Assert.True(result.VerifiedAgainstExpectedHash);
        Assert.Equal(11, result.ChunkCount);
        Assert.True(growth < 200 * MiB, $"working set grew by {growth / MiB} MiB during the restore (budget 400 MiB, asserted < 200 MiB)");
    }
}
