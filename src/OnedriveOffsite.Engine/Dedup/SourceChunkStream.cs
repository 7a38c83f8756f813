using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// Reads the source once, front to back, on a dedicated thread that also computes the whole-file SHA-256 (the only
/// SHA-256 pass over the source); a second dedicated thread cuts the bytes into chunks and hands out batches of
/// whole chunks. Memory is bounded by design, whatever the file size: read blocks come from a pool of
/// <see cref="BlocksInFlight"/> buffers, batches from the caller's pool (a stage that runs ahead waits for a buffer).
/// </summary>
internal sealed class SourceChunkStream
{
    public const int BlockSize = 4 << 20;
    public const int BatchTarget = 4 << 20;
    /// <summary>Read blocks alive at once: queued for the chunker, being read, being copied.</summary>
    public const int BlocksInFlight = 4;
    private readonly SafeFileHandle? _source;
    private readonly Streams.IByteSource? _stream;
    private readonly long _length; // -1: a stream, read to its end
    private readonly GearChunker _chunker;
    private readonly BoundedPool<ChunkBatch> _batches;
    private readonly BoundedPool<byte[]> _blocks = new(BlocksInFlight, () => new byte[BlockSize]);

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

    /// <summary>A pool of batches that fit what <paramref name="chunker"/> cuts (<paramref name="capacity"/> of them).</summary>
    public static BoundedPool<ChunkBatch> CreateBatchPool(GearChunker chunker, int capacity) =>
        new(capacity, () => new ChunkBatch(BatchTarget + chunker.Max, BatchTarget / chunker.Min + 2));

    /// <summary>The read-block pool (for tests: its <see cref="BoundedPool{T}.Created"/> stays at most its capacity).</summary>
    internal BoundedPool<byte[]> Blocks => _blocks;

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
        var blocks = Channel.CreateBounded<(byte[] Buffer, int Length)>(new BoundedChannelOptions(BlocksInFlight - 1) { SingleReader = true, SingleWriter = true });
        var reading = Task.Factory.StartNew(() => Read(blocks.Writer, stop.Token), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var chunking = Task.Factory.StartNew(() => Chunk(blocks.Reader, output, stop.Token), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        try
        {
            await chunking.ConfigureAwait(false);
        }
        catch
        {
            stop.Cancel();
            try { await reading.ConfigureAwait(false); } catch { /* reported below when it is the cause */ }
            if (reading.Exception?.InnerException is { } cause and not OperationCanceledException) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
            throw;
        }
        await reading.ConfigureAwait(false);
    }

    private void Read(ChannelWriter<(byte[], int)> blocks, CancellationToken ct)
    {
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            for (long offset = 0; _length < 0 || offset < _length;)
            {
                ct.ThrowIfCancellationRequested();
                var buffer = _blocks.Rent(ct);
                var want = _length < 0 ? BlockSize : (int)Math.Min(BlockSize, _length - offset);
                var filled = 0;
                while (filled < want)
                {
                    // The stream is read on this dedicated thread, so waiting for it here blocks nothing else.
                    var n = _source is not null
                        ? RandomAccess.Read(_source, buffer.AsSpan(filled, want - filled), offset + filled)
                        : _stream!.ReadAsync(buffer.AsMemory(filled, want - filled), ct).AsTask().GetAwaiter().GetResult();
                    if (n == 0)
                    {
                        if (_stream is not null) break;
                        throw new IOException("The source file became shorter while it was being read.");
                    }
                    filled += n;
                }
                if (filled == 0)
                {
                    _blocks.Return(buffer);
                    break;
                }
                sha.AppendData(buffer, 0, filled);
                offset += filled;
                Interlocked.Exchange(ref _read, offset);
                blocks.WriteAsync((buffer, filled), ct).AsTask().GetAwaiter().GetResult();
                if (filled < want) break; // the stream ended
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
        var batch = await _batches.RentAsync(ct).ConfigureAwait(false);
        batch.Clear();
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
                _blocks.Return(block);
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
                batch = await _batches.RentAsync(ct).ConfigureAwait(false);
                batch.Clear();
                batchLength = 0;
            }
        }
        if (batch.Lengths.Count > 0) await output(batch).ConfigureAwait(false);
        else _batches.Return(batch);
    }
}
