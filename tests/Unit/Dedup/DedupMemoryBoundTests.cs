using OnedriveOffsite.Engine.Dedup;
using Xunit;
using F = OnedriveOffsite.Tests.Snapshots.EngineFixture;

namespace OnedriveOffsite.Tests.Dedup;

/// <summary>
/// Format v2 memory is bounded by design: every large buffer of a backup comes from a fixed-size pool that a stage
/// running ahead waits on, so a file many times the pools' size is backed up by reusing the same few buffers.
/// (Peak RSS figures are measured in bench/dedup.ps1, not here.)
/// </summary>
public sealed class DedupMemoryBoundTests : IDisposable
{
    private readonly DedupFixture _f = new();

    [Fact]
    public async Task A_backup_many_times_larger_than_its_pools_reuses_a_bounded_number_of_buffers_and_restores()
    {
        // 48 MiB: 12 read blocks of 4 MiB, each read into a batch, and ~750 packs of 64 KiB, through pools of a few each.
        var content = F.Random(48 << 20, seed: 21);
        var backup = await _f.BackupAsync(_f.Engine.WriteSource("big.bin", content));
        var b = backup.Buffers!;

        Assert.Equal(12, b.BatchesRented);
        Assert.InRange(b.BatchesCreated, 1, b.BatchCapacity);
        Assert.True(b.BatchCapacity < 12, $"batch pool capacity {b.BatchCapacity}");
        Assert.InRange(b.PackBuffersCreated, 1, b.PackBufferCapacity);
        Assert.Equal(5, b.PackBufferCapacity); // ThrottleLimit 4 uploads + the pack being filled
        Assert.Equal(backup.Manifest.Added.Packs, b.PackBuffersRented);
        Assert.True(backup.Manifest.Added.Packs > 100, $"packs {backup.Manifest.Added.Packs}");

        var restored = await _f.RestoreAsync(backup.Snapshot);
        Assert.Equal(content, await File.ReadAllBytesAsync(restored.Path));
    }

    [Fact]
    public async Task A_pool_hands_out_at_most_its_capacity_and_a_rent_waits_until_one_is_returned()
    {
        using var pool = new BoundedPool<byte[]>(2, () => new byte[16]);
        var a = await pool.RentAsync(default);
        var b = await pool.RentAsync(default);
        var waiting = pool.RentAsync(default).AsTask();
        Assert.False(waiting.IsCompleted);
        pool.Return(a);
        Assert.Same(a, await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        pool.Return(b);
        Assert.Same(b, pool.Rent(default));
        Assert.Equal(2, pool.Created);
        Assert.Equal(4, pool.Rented);
    }

    [Fact]
    public async Task A_waiting_rent_ends_when_the_run_is_cancelled()
    {
        using var pool = new BoundedPool<byte[]>(1, () => new byte[16]);
        _ = await pool.RentAsync(default);
        using var cts = new CancellationTokenSource();
        var waiting = pool.RentAsync(cts.Token).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Fact]
    public void The_set_of_chunks_stored_in_this_run_keeps_at_most_two_generations()
    {
        var set = new RecentChunkSet(generationSize: 4);
        var ids = Enumerable.Range(1, 10).Select(i => new ChunkId((ulong)i, 0, 0, 0)).ToArray();
        foreach (var id in ids) set.Add(id);
        Assert.InRange(set.Count, 1, 8);
        Assert.All(ids[^4..], id => Assert.True(set.Contains(id)));
        Assert.False(set.Contains(ids[0]));
    }

    [Fact]
    public async Task New_index_entries_wait_on_disk_with_no_name_left_on_unix_and_come_back_in_order()
    {
        using var spill = new IndexEntrySpill();
        var entries = Enumerable.Range(0, 3).Select(i => new IndexEntry(new ChunkId((ulong)i + 1, 2, 3, 4), i, (uint)(100 * i), 60, 40)).ToArray();
        foreach (var e in entries) spill.Add(e);
        if (!OperatingSystem.IsWindows()) Assert.False(File.Exists(spill.TempPath));
        var plain = new byte[entries.Length * IndexFileCodec.ChunkEntrySize];
        await spill.ReadNextAsync(plain);
        var expected = new byte[plain.Length];
        for (var i = 0; i < entries.Length; i++) IndexFileCodec.Encode(entries[i], expected.AsSpan(i * IndexFileCodec.ChunkEntrySize));
        Assert.Equal(expected, plain);
        Assert.Equal(3, spill.Count);
    }

    public void Dispose() => _f.Dispose();
}
