using System.Threading.Channels;

namespace OnedriveOffsite.Engine.Pipeline;

/// <summary>
/// Runs a numbered sequence of items through two stages on two threads (e.g. read+hash, then encrypt+write) with a
/// fixed ring of reusable buffers, so one part keeps both cores busy while memory stays at depth × bufferSize.
/// A failure in either stage stops the other; the first real error is the one rethrown.
/// </summary>
public static class TwoStagePipeline
{
    public delegate ValueTask<int> Producer(long item, Memory<byte> buffer, CancellationToken ct);
    public delegate ValueTask Consumer(long item, ReadOnlyMemory<byte> data, CancellationToken ct);

    public static async Task RunAsync(long count, int bufferSize, int depth, Producer produce, Consumer consume, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var free = Channel.CreateBounded<byte[]>(depth);
        var filled = Channel.CreateBounded<(long Item, byte[] Buffer, int Length)>(depth);
        for (var i = 0; i < depth; i++) free.Writer.TryWrite(new byte[bufferSize]);

        var producer = Task.Run(async () =>
        {
            try
            {
                for (long item = 0; item < count; item++)
                {
                    var buffer = await free.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
                    var length = await produce(item, buffer, cts.Token).ConfigureAwait(false);
                    await filled.Writer.WriteAsync((item, buffer, length), cts.Token).ConfigureAwait(false);
                }
                filled.Writer.Complete();
            }
            catch (Exception ex)
            {
                filled.Writer.TryComplete(ex);
                cts.Cancel();
                throw;
            }
        }, cts.Token);

        Exception? consumerError = null;
        try
        {
            await foreach (var (item, buffer, length) in filled.Reader.ReadAllAsync(cts.Token).ConfigureAwait(false))
            {
                await consume(item, buffer.AsMemory(0, length), cts.Token).ConfigureAwait(false);
                free.Writer.TryWrite(buffer);
            }
        }
        catch (Exception ex)
        {
            consumerError = ex;
            cts.Cancel();
        }

        try { await producer.ConfigureAwait(false); }
        catch (Exception ex) when (consumerError is null || consumerError is OperationCanceledException
            && ex is not OperationCanceledException)
        {
            consumerError = ex;
        }
        catch (Exception) { /* the consumer's error came first */ }

        if (consumerError is not null)
        {
            // A ChannelClosedException carries the producer's error inside.
            if (consumerError is ChannelClosedException { InnerException: { } inner }) consumerError = inner;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(consumerError).Throw();
        }
    }
}
