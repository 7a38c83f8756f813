using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Repositories;
using Xunit;

namespace OnedriveOffsite.Tests.Repositories;

/// <summary>
/// What every <see cref="ISnapshotRepository"/> must do, run against each backend (Local, OneDrive through the
/// emulator, Memory). A new backend gets a three-line subclass; a behaviour every backend must share gets a test here.
/// </summary>
public abstract class RepositoryContract : IAsyncLifetime
{
    private static readonly SnapshotLocation First = new("set1", "20260101T000000000Z-a0a1a2a3");

    protected ISnapshotRepository Repository { get; private set; } = null!;

    /// <summary>Opens an empty repository of the backend under test.</summary>
    protected abstract Task<ISnapshotRepository> OpenEmptyAsync();

    protected virtual Task CloseAsync() => Task.CompletedTask;

    public async Task InitializeAsync() => Repository = await OpenEmptyAsync();

    public Task DisposeAsync() => CloseAsync();

    [Fact]
    public async Task Completed_file_is_listed_with_its_length_and_reads_back_the_same_bytes()
    {
        var data = Bytes(70_000, 1);
        var result = await StoreAsync(First, "part-00000.oop", data);

        Assert.Equal(data.Length, result.Length);
        var folder = Assert.Single(await Repository.ListSnapshotsAsync(First.Set, default));
        Assert.Equal(First, folder.Location);
        Assert.False(folder.HasManifest);
        var file = Assert.Single(folder.Files);
        Assert.Equal(("part-00000.oop", (long)data.Length), (file.Name, file.Length));
        Assert.Equal(result.Checksum, file.Checksum); // a backend's own checksum is the same in the listing
        Assert.Equal(data, await ReadAllAsync(First, "part-00000.oop"));
    }

    [Fact]
    public async Task Abandoned_file_leaves_nothing_readable_or_listed()
    {
        await using (var sink = await Repository.CreateFileAsync(First, "part-00000.oop", null, default))
        {
            await sink.WriteAsync(Bytes(1000, 2), default);
        }

        var files = (await Repository.ListSnapshotsAsync(First.Set, default)).SelectMany(f => f.Files);
        Assert.DoesNotContain(files, f => f.Name.StartsWith("part-00000", StringComparison.Ordinal));
        var e = await Assert.ThrowsAsync<OffsiteException>(() => Repository.OpenReadAsync(First, "part-00000.oop", default));
        Assert.Equal("PartMissing", e.ErrorId);
    }

    [Fact]
    public async Task Missing_file_fails_with_PartMissing()
    {
        await StoreAsync(First, "part-00000.oop", Bytes(10, 3));

        var e = await Assert.ThrowsAsync<OffsiteException>(() => Repository.OpenReadAsync(First, "part-00001.oop", default));
        Assert.Equal("PartMissing", e.ErrorId);
        Assert.Equal(OffsiteErrorCategory.ObjectNotFound, e.Category);
    }

    [Fact]
    public async Task Manifest_is_absent_until_written_then_marks_the_snapshot_complete()
    {
        await StoreAsync(First, "part-00000.oop", Bytes(100, 4));
        Assert.Null(await Repository.ReadManifestAsync(First, default));

        var manifest = Bytes(500, 5);
        await Repository.WriteManifestAsync(First, manifest, default);

        Assert.Equal(manifest, await Repository.ReadManifestAsync(First, default));
        var folder = Assert.Single(await Repository.ListSnapshotsAsync(First.Set, default));
        Assert.True(folder.HasManifest);
        Assert.Contains(folder.Files, f => f.Name == SnapshotFiles.ManifestName && f.Length == manifest.Length);
    }

    [Fact]
    public async Task Manifest_never_replaces_an_existing_one()
    {
        await StoreAsync(First, "part-00000.oop", Bytes(100, 6));
        var original = Bytes(300, 7);
        await Repository.WriteManifestAsync(First, original, default);

        await Assert.ThrowsAnyAsync<Exception>(() => Repository.WriteManifestAsync(First, Bytes(300, 8), default));

        Assert.Equal(original, await Repository.ReadManifestAsync(First, default));
    }

    [Fact]
    public async Task Listings_hold_every_set_snapshot_and_file_in_order_beyond_one_page()
    {
        // The emulator answers 5 children a page: 7 of each exercise paging where the backend pages.
        var snapshots = Enumerable.Range(0, 7).Select(i => new SnapshotLocation("set2", $"20260101T00000{i}000Z-a0a1a2a3")).ToList();
        foreach (var s in snapshots.AsEnumerable().Reverse()) await StoreAsync(s, "part-00000.oop", Bytes(10, 9));
        var names = Enumerable.Range(0, 7).Select(i => $"part-{i:D5}.oop").ToList();
        foreach (var name in names) await StoreAsync(First, name, Bytes(20, 10));

        Assert.Equal(["set1", "set2"], await Repository.ListSetsAsync(default));
        Assert.Equal(snapshots, (await Repository.ListSnapshotsAsync("set2", default)).Select(f => f.Location));
        var folder = Assert.Single(await Repository.ListSnapshotsAsync("set1", default));
        Assert.Equal(names, folder.Files.Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.Empty(await Repository.ListSnapshotsAsync("no-such-set", default));
    }

    [Fact]
    public async Task Listing_skips_folders_that_are_not_snapshots()
    {
        await StoreAsync(First, "part-00000.oop", Bytes(10, 11));
        await StoreAsync(new SnapshotLocation("set1", "not-a-snapshot"), "part-00000.oop", Bytes(10, 12));

        Assert.Equal([First], (await Repository.ListSnapshotsAsync("set1", default)).Select(f => f.Location));
    }

    [Fact]
    public async Task DeleteFile_removes_one_file_and_ignores_a_missing_one()
    {
        await StoreAsync(First, "part-00000.oop", Bytes(10, 13));
        await StoreAsync(First, "part-00001.oop", Bytes(10, 14));

        await Repository.DeleteFileAsync(First, "part-00000.oop", default);
        await Repository.DeleteFileAsync(First, "part-00009.oop", default);

        var folder = Assert.Single(await Repository.ListSnapshotsAsync(First.Set, default));
        Assert.Equal(["part-00001.oop"], folder.Files.Select(f => f.Name));
        // A deleted file can be stored again (an interrupted run's unrecorded part).
        await StoreAsync(First, "part-00000.oop", Bytes(10, 15));
        Assert.Equal(Bytes(10, 15), await ReadAllAsync(First, "part-00000.oop"));
    }

    [Fact]
    public async Task DeleteSnapshot_removes_the_whole_snapshot_and_ignores_a_missing_one()
    {
        var second = First with { Snapshot = "20260102T000000000Z-a0a1a2a3" };
        await StoreAsync(First, "part-00000.oop", Bytes(10, 16));
        await Repository.WriteManifestAsync(First, Bytes(10, 17), default);
        await StoreAsync(second, "part-00000.oop", Bytes(10, 18));

        await Repository.DeleteSnapshotAsync(First, default);
        await Repository.DeleteSnapshotAsync(First with { Snapshot = "20260103T000000000Z-a0a1a2a3" }, default);

        Assert.Equal([second], (await Repository.ListSnapshotsAsync(First.Set, default)).Select(f => f.Location));
        Assert.Null(await Repository.ReadManifestAsync(First, default));
    }

    private async Task<StoredPartResult> StoreAsync(SnapshotLocation snapshot, string name, byte[] data)
    {
        await using var sink = await Repository.CreateFileAsync(snapshot, name, data.Length, default);
        // In two writes: backends must accept a file in pieces.
        await sink.WriteAsync(data.AsMemory(0, data.Length / 2), default);
        await sink.WriteAsync(data.AsMemory(data.Length / 2), default);
        return await sink.CompleteAsync(default);
    }

    private async Task<byte[]> ReadAllAsync(SnapshotLocation snapshot, string name)
    {
        await using var stream = await Repository.OpenReadAsync(snapshot, name, default);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static byte[] Bytes(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }
}
