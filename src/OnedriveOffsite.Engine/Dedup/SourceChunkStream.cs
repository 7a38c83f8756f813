using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// Reads the source once, front to back, on a dedicated thread that also computes the whole-file SHA-256 (the only
/// SHA-256 pass over the source); a second dedicated thread cuts the bytes into chunks and hands out batches of
/// whole chunks. Memory: a few blocks and batches in flight, whatever the file size.
/// </summary>
internal sealed class SourceChunkStream
{
    public const int BlockSize = 4 << 20;
    public const int BatchTarget = 4 << 20;
    private readonly SafeFileHandle _source;
    private readonly long _length;
    private readonly GearChunker _chunker;

    public SourceChunkStream(SafeFileHandle source, long length, GearChunker chunker)
    {
        _source = source;
        _length = length;
        _chunker = chunker;
    }

    /// <summary>Filled in when the reader has read the whole file.</summary>
    public byte[]? Sha256 { get; private set; }

    /// <summary>Starts both threads; batches arrive on <paramref name="output"/> in file order, then it completes.</summary>
    public Task RunAsync(Func<ChunkBatch, ValueTask> output, CancellationToken ct)
    {
        var blocks = Channel.CreateBounded<(byte[] Buffer, int Length)>(new BoundedChannelOptions(3) { SingleReader = true, SingleWriter = true });
        var reading = Task.Factory.StartNew(() => Read(blocks.Writer, ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var chunking = Task.Factory.StartNew(() => Chunk(blocks.Reader, output, ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        return Task.WhenAll(reading, chunking);
    }

    private void Read(ChannelWriter<(byte[], int)> blocks, CancellationToken ct)
    {
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            for (long offset = 0; offset < _length;)
            {
                ct.ThrowIfCancellationRequested();
                var buffer = new byte[(int)Math.Min(BlockSize, _length - offset)];
                var filled = 0;
                while (filled < buffer.Length)
                {
                    var n = RandomAccess.Read(_source, buffer.AsSpan(filled), offset + filled);
                    if (n == 0) throw new IOException("The source file became shorter while it was being read.");
                    filled += n;
                }
                sha.AppendData(buffer);
                offset += filled;
                blocks.WriteAsync((buffer, filled), ct).AsTask().GetAwaiter().GetResult();
            }
            Sha256 = sha.GetHashAndReset();
            blocks.Complete();
        }
        catch (Exception e)
        {
            blocks.TryComplete(e);
            throw;
        }
    }

    private async Task Chunk(ChannelReader<(byte[] Buffer, int Length)> blocks, Func<ChunkBatch, ValueTask> output, CancellationToken ct)
    {
        var work = new byte[BlockSize + _chunker.Max];
        int start = 0, end = 0;
        var eof = false;
        var batch = NewBatch();
        var batchLength = 0;
        while (true)
        {
            while (!eof && end - start < _chunker.Max)
            {
                if (start > 0)
                {
                    Buffer.BlockCopy(work, start, work, 0, end - start);
                    end -= start;
                    start = 0;
                }
                if (!await blocks.WaitToReadAsync(ct).ConfigureAwait(false)) { eof = true; break; }
                var (block, length) = await blocks.ReadAsync(ct).ConfigureAwait(false);
                Buffer.BlockCopy(block, 0, work, end, length);
                end += length;
            }
            if (start == end) break;
            var cut = _chunker.Cut(work.AsSpan(start, end - start));
            Buffer.BlockCopy(work, start, batch.Data, batchLength, cut);
            batch.Lengths.Add(cut);
            batchLength += cut;
            start += cut;
            if (batchLength >= BatchTarget)
            {
                await output(batch).ConfigureAwait(false);
                batch = NewBatch();
                batchLength = 0;
            }
        }
        if (batch.Lengths.Count > 0) await output(batch).ConfigureAwait(false);
    }

    private ChunkBatch NewBatch() => new() { Data = new byte[BatchTarget + _chunker.Max], Lengths = new List<int>(BatchTarget / _chunker.Min + 1) };
}
