using System.IO.Hashing;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace OnedriveOffsite.Engine.Hashing;

/// <summary>
/// The whole-file SHA-256 of a backup that stores its parts one after another in file order: fed directly with the
/// segments the part worker reads, so the source is read once and nothing is handed to another thread
/// (docs/DECISIONS.md "Single-read backup in file order"). The stored bytes of a part are then the hashed bytes by
/// construction. Bytes that arrive out of order (a part read again after a retry) are not fed: the hash is then
/// <see cref="Disturbed"/> and the caller must hash the file again (<see cref="TrailingHasher"/>).
/// </summary>
public sealed class InOrderHasher : ISourceReadObserver, IDisposable
{
    private const int BufferSize = 1 << 20;
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly long[] _partStart;
    private readonly long _total;
    private long _fed;

    public InOrderHasher(IReadOnlyList<(long Offset, long Length)> parts)
    {
        _partStart = parts.Select(p => p.Offset).ToArray();
        _total = parts.Count == 0 ? 0 : parts[^1].Offset + parts[^1].Length;
    }

    /// <summary>True once some bytes arrived out of file order: <see cref="Finish"/> then has no hash to give.</summary>
    public bool Disturbed { get; private set; }

    public void Read(int part, long endInPart, ReadOnlySpan<byte> bytes)
    {
        if (Disturbed) return;
        if (_partStart[part] + endInPart - bytes.Length != _fed)
        {
            Disturbed = true;
            return;
        }
        _sha.AppendData(bytes);
        _fed += bytes.Length;
    }

    /// <summary>
    /// Reads a range itself (a part reused from an interrupted run), feeding the hash, and returns the
    /// <see cref="PartChecksumHasher"/> checksum of the bytes it read, to compare with the stored part's.
    /// </summary>
    public UInt128 ReadAndHash(SafeFileHandle file, int part, long length, CancellationToken ct)
    {
        var checksum = new XxHash128();
        var buffer = new byte[(int)Math.Min(BufferSize, Math.Max(1, length))];
        long done = 0;
        while (done < length)
        {
            ct.ThrowIfCancellationRequested();
            var read = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - done)), _partStart[part] + done);
            if (read <= 0) throw new IOException("The file ended while it was being hashed.");
            done += read;
            Read(part, done, buffer.AsSpan(0, read));
            checksum.Append(buffer.AsSpan(0, read));
        }
        return PartChecksumHasher.Value(checksum);
    }

    /// <summary>The SHA-256 (hex) of the bytes fed so far, or null once <see cref="Disturbed"/>.</summary>
    public string? PrefixDigest() => Disturbed ? null : Convert.ToHexString(_sha.GetCurrentHash()).ToLowerInvariant();

    /// <summary>The SHA-256 of the whole file, or null when it was <see cref="Disturbed"/> or not fed completely.</summary>
    public byte[]? Finish() => Disturbed || _fed != _total ? null : _sha.GetHashAndReset();

    public void Dispose() => _sha.Dispose();
}
