using System.Security.Cryptography;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Repositories.OneDrive;
using OnedriveOffsite.Engine.Snapshots;
using Xunit;
using Xunit.Abstractions;

namespace OnedriveOffsite.Tests.OneDrive;

/// <summary>
/// A file handed to the OneDrive sink whole, with its size known (a format 2 pack: 64 of them per GiB), is sent from
/// the caller's memory, not copied into a fragment buffer of its own: a new 10 MiB buffer per pack was 640 MiB of
/// large-object garbage per GiB, and a format 2 backup to OneDrive peaked at ~500 MiB RSS (docs/PERFORMANCE.md).
/// It counts the process's allocations, so it runs alone (<see cref="ProcessMemoryCollection"/>).
/// </summary>
[Collection(nameof(ProcessMemoryCollection))]
public sealed class UploadMemoryTests(ITestOutputHelper output)
{
    private const int Fragment = 32 * OneDriveOptions.FragmentUnit; // 10 MiB, the default fragment size

    [Fact]
    public async Task A_file_written_whole_with_its_size_known_is_uploaded_from_the_callers_memory_without_a_fragment_buffer()
    {
        await using var f = await OneDriveFixture.StartAsync(fragment: Fragment);
        var where = new SnapshotLocation("set1", "packs");
        // First upload: connections, JIT and the emulator's first-use allocations are not what is measured.
        await StoreWholeAsync(f.Repository, where, "warm.oopk", RandomNumberGenerator.GetBytes(Fragment + 4096));

        var pack = RandomNumberGenerator.GetBytes(3 * Fragment / 2 + 12345); // one full fragment and a shorter last one
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await StoreWholeAsync(f.Repository, where, "pack.oopk", pack);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        output.WriteLine($"{pack.Length} bytes uploaded in {f.Emulator.Stats.RequestsByRoute.GetValueOrDefault("PUT uploadFragment")} " +
            $"fragment request(s) so far; {allocated / 1048576.0:0.0} MiB allocated by the process meanwhile (emulator included)");

        Assert.True(allocated < Fragment, $"{allocated} bytes were allocated while uploading a {pack.Length}-byte file: a fragment " +
            $"buffer of {Fragment} bytes is one of them");
        await using var read = await f.Repository.OpenReadAsync(where, "pack.oopk", default);
        var back = new MemoryStream();
        await read.CopyToAsync(back);
        Assert.Equal(SHA256.HashData(pack), SHA256.HashData(back.ToArray()));
    }

    private static async Task StoreWholeAsync(ISnapshotRepository repository, SnapshotLocation where, string name, byte[] bytes)
    {
        await using var sink = await repository.CreateFileAsync(where, name, bytes.Length, default);
        await sink.WriteAsync(bytes, default);
        var stored = await sink.CompleteAsync(default);
        Assert.Equal(bytes.Length, stored.Length);
    }
}
