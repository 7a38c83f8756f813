using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// Reads the source once, front to back, on a dedicated thread that also computes the whole-file SHA-256 (the only
/// SHA-256 pass over the source); a second dedicated thread cuts the bytes into chunks. The reader reads each block
/// straight into a batch, behind a headroom of <see cref="GearChunker.Max"/> bytes; the chunker puts the previous
/// block's unfinished chunk (less than Max bytes) into that headroom and cuts whole chunks in place, so the source's
/// bytes are copied by nobody but the kernel (docs/DECISIONS.md "v2 speed, second round"). Memory is bounded by design, whatever the
/// file size: every block is a batch from the caller's pool, and a stage that runs ahead waits for one.
/// </summary>
internal sealed class SourceChunkStream
{
    public const int BlockSize = 4 << 20;
    /// <summary>Batches the reading side holds at most: being read, queued for the chunker, being cut.</summary>
    public const int BlocksInFlight = 4;
    private readonly SafeFileHandle? _source;
    private readonly Streams.IByteSource? _stream;
    private readonly long _length; // -1: a stream, read to its end
    private readonly GearChunker _chunker;
    private readonly BoundedPool<ChunkBatch> _batches;

    public SourceChunkStream(SafeFileHandle source, long length, GearChunker chunker, BoundedPool<ChunkBatch> batches)
    {
        _source = source;
        _length = length;
        _chunker = chunker;
        _batches = batches;
    }

    /// <summary>A stream (a command's output), read front to back until it ends.</summary>
    public SourceChunkStream(Streams.IByteSource stream, GearChunker chunker, BoundedPool<ChunkBatch> batches)
    {
        _stream = stream;
        _length = -1;
        _chunker = chunker;
        _batches = batches;
    }

    /// <summary>Bytes read so far (all of them once <see cref="Sha256"/> is set).</summary>
    public long BytesRead => Interlocked.Read(ref _read);

    private long _read;

    /// <summary>
    /// A pool of batches that hold one block behind the headroom <paramref name="chunker"/> needs: enough for the reading
    /// side (<see cref="BlocksInFlight"/>) and <paramref name="processing"/> more being hashed, compressed and packed.
    /// </summary>
    public static BoundedPool<ChunkBatch> CreateBatchPool(GearChunker chunker, int processing) =>
        new(BlocksInFlight + processing, () => new ChunkBatch(chunker.Max, BlockSize, (chunker.Max + BlockSize) / chunker.Min + 2));

    /// <summary>Filled in when the reader has read the whole file.</summary>
    public byte[]? Sha256 { get; private set; }

    /// <summary>
    /// Starts both threads; batches arrive on <paramref name="output"/> in file order, then it completes. When either
    /// thread fails the other is stopped (neither is left waiting for a buffer or a queue slot), and the reader's failure
    /// is the one reported when it came first.
    /// </summary>
    public async Task RunAsync(Func<ChunkBatch, ValueTask> output, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var blocks = Channel.CreateBounded<Block>(
            new BoundedChannelOptions(BlocksInFlight - 2) { SingleReader = true, SingleWriter = true });
        var reading = Task.Factory.StartNew(() => Read(blocks.Writer, stop.Token), stop.Token,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var chunking = Task.Factory.StartNew(() => Chunk(blocks.Reader, output, stop.Token), stop.Token,
            TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        try
        {
            await chunking.ConfigureAwait(false);
        }
        catch
        {
            stop.Cancel();
            _stream?.Abort(); // a reader blocked in a read of the producer's pipe wakes up only when the producer stops
            try { await reading.ConfigureAwait(false); } catch { /* reported below when it is the cause */ }
            if (reading.Exception?.InnerException is { } cause and not OperationCanceledException)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
            throw;
        }
        await reading.ConfigureAwait(false);
    }

    /// <summary>A block read into <see cref="Batch"/> after its headroom; <see cref="Last"/>: the source ends with it.</summary>
    private readonly record struct Block(ChunkBatch Batch, int Length, bool Last);

    private void Read(ChannelWriter<Block> blocks, CancellationToken ct)
    {
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            for (long offset = 0; _length < 0 || offset < _length;)
            {
                ct.ThrowIfCancellationRequested();
                var batch = _batches.Rent(ct);
                var buffer = batch.Data.AsSpan(batch.Headroom);
                var want = _length < 0 ? BlockSize : (int)Math.Min(BlockSize, _length - offset);
                var filled = 0;
                while (filled < want)
                {
                    // The stream is read on this dedicated thread, so waiting for it here blocks nothing else.
                    var n = _source is not null
                        ? RandomAccess.Read(_source, buffer.Slice(filled, want - filled), offset + filled)
                        : _stream!.Read(batch.Data.AsMemory(batch.Headroom + filled, want - filled), ct);
                    if (n == 0)
                    {
                        // A stop (Ctrl+C, a failure) ends a blocked read by stopping the producer: not an end of data.
                        ct.ThrowIfCancellationRequested();
                        if (_stream is not null) break;
                        throw new IOException("The source file became shorter while it was being read.");
                    }
                    filled += n;
                }
                if (filled == 0)
                {
                    _batches.Return(batch);
                    break;
                }
                sha.AppendData(buffer[..filled]);
                offset += filled;
                Interlocked.Exchange(ref _read, offset);
                var last = filled < want || offset == _length; // a stream that ended, or the file's last block
                blocks.WriteAsync(new Block(batch, filled, last), ct).AsTask().GetAwaiter().GetResult();
                if (last) break;
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

    private async Task Chunk(ChannelReader<Block> blocks, Func<ChunkBatch, ValueTask> output, CancellationToken ct)
    {
        // The unfinished chunk at the end of a block (less than Max bytes), carried into the next block's headroom.
        var tail = new byte[_chunker.Max];
        var tailLength = 0;
        var ended = false;
        await foreach (var block in blocks.ReadAllAsync(ct).ConfigureAwait(false))
        {
            tailLength = CutBlock(block.Batch, block.Length, block.Last, tail, tailLength);
            ended = block.Last;
            await output(block.Batch).ConfigureAwait(false);
        }
        // A stream that ended exactly at a block's end (its last read found nothing): cut what is left.
        if (!ended && tailLength > 0)
        {
            var batch = await _batches.RentAsync(ct).ConfigureAwait(false);
            CutBlock(batch, 0, last: true, tail, tailLength);
            await output(batch).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Puts the carried tail before the block's bytes and cuts whole chunks: while at least Max bytes are left (as the
    /// chunker needs), or to the end when the source ends here. Returns the new tail's length, copied into <paramref name="tail"/>.
    /// </summary>
    private int CutBlock(ChunkBatch batch, int length, bool last, byte[] tail, int tailLength)
    {
        var data = batch.Data;
        var start = batch.Headroom - tailLength;
        Buffer.BlockCopy(tail, 0, data, start, tailLength);
        batch.Clear(start);
        var end = batch.Headroom + length;
        var at = start;
        while (at < end && (last || end - at >= _chunker.Max))
        {
            var cut = _chunker.Cut(data.AsSpan(at, end - at));
            batch.Lengths.Add(cut);
            at += cut;
        }
        Buffer.BlockCopy(data, at, tail, 0, end - at);
        return end - at;
    }
}
