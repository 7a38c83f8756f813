using System.IO.Hashing;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace OnedriveOffsite.Engine.Hashing;

/// <summary>
/// Computes the whole-file SHA-256 in file order while parts are processed in parallel (SHA-256 cannot be split).
/// Part workers report how far they have read (backup) or written (restore); the hasher follows them through the
/// same file handle, never ahead, so it reads bytes the OS has just had in hand (page cache) rather than the disk,
/// and memory stays at one buffer. See docs/DECISIONS.md "Whole-file hash with parallel parts".
/// <para>With <c>checksumParts</c> it also takes each part's <see cref="PartChecksum"/> over the bytes it hashed, so
/// that a backup can prove that the bytes a part worker stored are the bytes this hash covers (docs/DECISIONS.md
/// "One SHA-256 pass").</para>
/// </summary>
public sealed class TrailingHasher : ISourceReadObserver
{
    private const int BufferSize = 1 << 20;
    private readonly SafeFileHandle _file;
    private readonly long[] _partStart;
    private readonly long[] _partLength;
    private readonly long[] _progress;
    private readonly UInt128[]? _checksums;
    private readonly SemaphoreSlim _signal = new(0);

    public TrailingHasher(SafeFileHandle file, IReadOnlyList<(long Offset, long Length)> parts, bool checksumParts = false)
    {
        _file = file;
        _partStart = parts.Select(p => p.Offset).ToArray();
        _partLength = parts.Select(p => p.Length).ToArray();
        _progress = new long[parts.Count];
        _checksums = checksumParts ? new UInt128[parts.Count] : null;
    }

    /// <summary>Part <paramref name="part"/> has its first <paramref name="bytes"/> bytes in the file.</summary>
    public void Report(int part, long bytes)
    {
        Volatile.Write(ref _progress[part], bytes);
        if (_signal.CurrentCount == 0) _signal.Release();
    }

    void ISourceReadObserver.Read(int part, long endInPart, ReadOnlySpan<byte> bytes) => Report(part, endInPart);

    /// <summary>
    /// The <see cref="PartChecksumHasher"/> value of the bytes this hasher read for <paramref name="part"/>; valid once
    /// <see cref="RunAsync"/> has completed, and only with <c>checksumParts</c>.
    /// </summary>
    public UInt128 PartChecksum(int part) => _checksums is null
        ? throw new InvalidOperationException("This hasher was created without part checksums.")
        : _checksums[part];

    /// <summary>
    /// Runs on a dedicated thread (it blocks while it waits and reads, and must not hold a thread-pool thread that
    /// the part workers need) until every part was hashed; returns the SHA-256 of the whole range.
    /// </summary>
    public Task<byte[]> RunAsync(CancellationToken ct) =>
        Task.Factory.StartNew(() => Run(ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private byte[] Run(CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var partChecksum = _checksums is null ? null : new XxHash128();
        var buffer = new byte[BufferSize];
        for (var part = 0; part < _partStart.Length; part++)
        {
            long done = 0;
            while (done < _partLength[part])
            {
                var available = Volatile.Read(ref _progress[part]);
                if (available <= done)
                {
                    _signal.Wait(ct);
                    continue;
                }
                var count = (int)Math.Min(BufferSize, available - done);
                var read = RandomAccess.Read(_file, buffer.AsSpan(0, count), _partStart[part] + done);
                if (read <= 0) throw new IOException("The file ended while it was being hashed.");
                sha.AppendData(buffer, 0, read);
                partChecksum?.Append(buffer.AsSpan(0, read));
                done += read;
            }
            if (partChecksum is not null)
            {
                _checksums![part] = PartChecksumHasher.Value(partChecksum);
                partChecksum.Reset();
            }
        }
        return sha.GetHashAndReset();
    }
}
