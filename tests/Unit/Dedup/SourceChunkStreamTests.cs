using System.Security.Cryptography;
using OnedriveOffsite.Engine.Dedup;
using OnedriveOffsite.Engine.Streams;
using Xunit;

namespace OnedriveOffsite.Tests.Dedup;

/// <summary>
/// The source is read in blocks and cut in place, an unfinished chunk carried from one block into the next one's
/// headroom: the chunks must be exactly those the chunker gives for the whole data at once (docs/FORMAT.md §9.4),
/// wherever block ends fall, for files and for streams that hand out odd-sized reads.
/// </summary>
public sealed class SourceChunkStreamTests
{
    private static readonly GearChunker Chunker = new(V2Keys.GearTable(Engine.Crypto.MasterKey.Generate()), 1024);

    /// <summary>The chunk lengths of <paramref name="data"/> cut at once, as the format defines them.</summary>
    private static List<int> Reference(byte[] data)
    {
        var lengths = new List<int>();
        for (var at = 0; at < data.Length;)
        {
            var cut = Chunker.Cut(data.AsSpan(at));
            lengths.Add(cut);
            at += cut;
        }
        return lengths;
    }

    private static async Task<(List<int> Lengths, byte[] Bytes, byte[] Sha256, int Batches)> RunAsync(SourceChunkStream stream,
        BoundedPool<ChunkBatch> pool)
    {
        var lengths = new List<int>();
        var bytes = new MemoryStream();
        var batches = 0;
        await stream.RunAsync(batch =>
        {
            batches++;
            var at = batch.Start;
            foreach (var length in batch.Lengths)
            {
                lengths.Add(length);
                bytes.Write(batch.Data, at, length);
                at += length;
            }
            pool.Return(batch);
            return ValueTask.CompletedTask;
        }, default);
        return (lengths, bytes.ToArray(), stream.Sha256!, batches);
    }

    [Theory]
    [InlineData(3 * SourceChunkStream.BlockSize)] // ends exactly where a block ends
    [InlineData(2 * SourceChunkStream.BlockSize + 12345)]
    [InlineData(5000)] // one short block
    [InlineData(0)]
    public async Task A_file_is_cut_into_the_chunks_of_the_whole_data_across_block_ends(int size)
    {
        var data = Snapshots.EngineFixture.Random(size, seed: size % 1000);
        var path = Path.Combine(Path.GetTempPath(), $"oo-chunks-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(path, data);
        try
        {
            using var handle = File.OpenHandle(path);
            using var pool = SourceChunkStream.CreateBatchPool(Chunker, 2);
            var (lengths, bytes, sha256, batches) = await RunAsync(new SourceChunkStream(handle, size, Chunker, pool), pool);

            Assert.Equal(Reference(data), lengths);
            Assert.Equal(data, bytes);
            Assert.Equal(SHA256.HashData(data), sha256);
            Assert.Equal((size + SourceChunkStream.BlockSize - 1) / SourceChunkStream.BlockSize, batches);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(2 * SourceChunkStream.BlockSize)] // the last read finds nothing: the carried chunk is cut after the loop
    [InlineData(SourceChunkStream.BlockSize + 777)]
    public async Task A_stream_with_odd_sized_reads_is_cut_into_the_chunks_of_the_whole_data(int size)
    {
        var data = Snapshots.EngineFixture.Random(size, seed: 7);
        using var pool = SourceChunkStream.CreateBatchPool(Chunker, 2);
        var (lengths, bytes, sha256, _) = await RunAsync(new SourceChunkStream(new TricklingSource(data), Chunker, pool), pool);

        Assert.Equal(Reference(data), lengths);
        Assert.Equal(data, bytes);
        Assert.Equal(SHA256.HashData(data), sha256);
    }

    /// <summary>Hands out at most 100,003 bytes per read, so reads end anywhere inside blocks and chunks.</summary>
    private sealed class TricklingSource(byte[] data) : IByteSource
    {
        private int _at;
        public string Description => "test stream";
        public string? Program => null;

        public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct)
        {
            var n = Math.Min(Math.Min(buffer.Length, 100_003), data.Length - _at);
            data.AsMemory(_at, n).CopyTo(buffer);
            _at += n;
            return ValueTask.FromResult(n);
        }

        public Task CompleteAsync(CancellationToken ct) => Task.CompletedTask;
        public void Abort() { }
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
