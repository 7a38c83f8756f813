using System.Buffers;
using Microsoft.Win32.SafeHandles;
using OnedriveOffsite.GraphEmulator.Hashing;

namespace OnedriveOffsite.GraphEmulator.Http;

/// <summary>Streams a request body to a file at an offset (never buffering it whole), hashing what is stored.</summary>
internal static class BodyCopier
{
    public readonly record struct CopyResult(long Received, long Stored);

    /// <param name="limit">Stop reading once more than this many bytes arrived (Received then exceeds it).</param>
    /// <param name="storeLimit">Only the first this-many bytes are written and hashed (partial-store faults).</param>
    /// <param name="corruptAt">Body offset of a byte to flip before storing it, or -1.</param>
    /// <param name="arrived">Told the size of every read as it arrives (live byte counters for benchmarks).</param>
    public static async Task<CopyResult> CopyAsync(Stream body, SafeFileHandle file, long offset, long limit,
        long storeLimit, long corruptAt, ReferenceQuickXorHash hash, Action<int> arrived, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            long received = 0, stored = 0;
            while (received <= limit)
            {
                int read = await body.ReadAsync(buffer.AsMemory(0, buffer.Length), ct);
                if (read == 0) break;
                arrived(read);
                if (corruptAt >= received && corruptAt < received + read) buffer[corruptAt - received] ^= 0x5A;
                int keep = (int)Math.Clamp(Math.Min(storeLimit, limit) - received, 0, read);
                if (keep > 0)
                {
                    await RandomAccess.WriteAsync(file, buffer.AsMemory(0, keep), offset + stored, ct);
                    hash.Append(buffer.AsSpan(0, keep));
                    stored += keep;
                }
                received += read;
            }
            return new CopyResult(received, stored);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
