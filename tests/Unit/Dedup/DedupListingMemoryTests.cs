using OnedriveOffsite.Engine.Dedup;
using OnedriveOffsite.GraphEmulator;
using OnedriveOffsite.Tests.OneDrive;
using Xunit;
using Xunit.Abstractions;

namespace OnedriveOffsite.Tests.Dedup;

/// <summary>
/// A format 2 set of 100,000 packs on OneDrive (1.6 TB of data) lists completely, page by page, in bounded memory
/// (issue 12 item 6). It measures the process's GC heap, so it runs alone (<see cref="ProcessMemoryCollection"/>):
/// with other tests allocating and freeing beside it, the difference of two heap sizes was once negative.
/// </summary>
[Collection(nameof(ProcessMemoryCollection))]
public sealed class DedupListingMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_folder_of_100000_packs_on_OneDrive_lists_completely_page_by_page_with_bounded_memory()
    {
        const int count = 100_000;
        await using var f = await OneDriveFixture.StartAsync(new EmulatorOptions { PageSize = 1000 });
        var names = Enumerable.Range(0, count).Select(i => $"{i:x32}{V2Layout.PackExtension}").ToList();
        f.Emulator.SeedAppFolderFiles("set1/packs", names, new byte[100]);
        names = null;

        var (heapWithListing, pages) = await ListAndCheckAsync(f, count);
        // What the listing holds once done: the heap with its result alive, minus the heap once it is gone (the
        // in-process emulator's own state, e.g. a download grant per listed item, is in both and cancels out).
        var retained = heapWithListing - GC.GetTotalMemory(forceFullCollection: true);
        Assert.Equal(count / 1000, pages);
        output.WriteLine($"{count} files listed in {count / 1000} pages; {retained / 1048576.0:0.0} MiB held by the result");
        // A name, a size and a hash per file: ~25 MiB for 100,000 packs (1.6 TB of data), far inside the 400 MiB a
        // run may use; pages are parsed one at a time and dropped. (The lower bound shows the measurement sees it.)
        Assert.InRange(retained, 1L << 20, 40L << 20);
    }

    /// <summary>Lists the seeded packs and checks them; returns the heap size while the result is alive (it is not
    /// once this returns) and the pages requested.</summary>
    private static async Task<(long Heap, long Pages)> ListAndCheckAsync(OneDriveFixture f, int count)
    {
        var listed = await f.Repository.ListFilesAsync(V2Layout.Packs("set1"), default);
        Assert.Equal(count, listed.Count);
        Assert.Equal(count, listed.Select(p => p.Name).Distinct().Count());
        Assert.All(listed, p => Assert.Equal(100, p.Length));
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(listed);
        return (heap, f.Emulator.Stats.RequestsByRoute.GetValueOrDefault("GET children"));
    }
}
