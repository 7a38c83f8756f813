using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OnedriveOffsite.Engine.Hashing;

/// <summary>
/// OneDrive's quickXorHash (the only content hash both personal and business drives report): byte number p of
/// the input is XORed into a 160-bit register at bit (11 * p) mod 160, wrapping around, and the input length
/// (int64 little-endian) is XORed into the register's last 8 bytes. Not thread-safe.
/// </summary>
/// <remarks>
/// Written here rather than taken from a package: no maintained .NET package offers it, and the algorithm is
/// a few lines. Speed matters (every stored byte is hashed while uploading), so the hot loop does not shift
/// bits per byte: the bit offset depends only on p mod 160, so the input is first XOR-folded into 160 byte
/// "columns" with wide vector XORs (five 32-byte vectors per 160-byte row), and the columns are rotated into
/// the register only when the digest is read.
/// </remarks>
public sealed class QuickXorHash
{
    public const int DigestBytes = 20;
    private const int Row = 160;
    private const int Shift = 11;

    private readonly byte[] _columns = new byte[Row];
    private long _length;

    public long Length => _length;

    public void Append(ReadOnlySpan<byte> data)
    {
        var column = (int)(_length % Row);
        _length += data.Length;

        // Finish the current row byte by byte.
        if (column != 0)
        {
            var n = Math.Min(Row - column, data.Length);
            for (var i = 0; i < n; i++) _columns[column + i] ^= data[i];
            data = data[n..];
        }

        var rows = data.Length / Row;
        if (rows > 0)
        {
            ref var acc = ref MemoryMarshal.GetArrayDataReference(_columns);
            var v0 = Vector256.LoadUnsafe(ref acc, 0);
            var v1 = Vector256.LoadUnsafe(ref acc, 32);
            var v2 = Vector256.LoadUnsafe(ref acc, 64);
            var v3 = Vector256.LoadUnsafe(ref acc, 96);
            var v4 = Vector256.LoadUnsafe(ref acc, 128);
            ref var src = ref MemoryMarshal.GetReference(data);
            for (nuint offset = 0, end = (nuint)(rows * Row); offset < end; offset += Row)
            {
                v0 ^= Vector256.LoadUnsafe(ref src, offset);
                v1 ^= Vector256.LoadUnsafe(ref src, offset + 32);
                v2 ^= Vector256.LoadUnsafe(ref src, offset + 64);
                v3 ^= Vector256.LoadUnsafe(ref src, offset + 96);
                v4 ^= Vector256.LoadUnsafe(ref src, offset + 128);
            }
            v0.StoreUnsafe(ref acc, 0);
            v1.StoreUnsafe(ref acc, 32);
            v2.StoreUnsafe(ref acc, 64);
            v3.StoreUnsafe(ref acc, 96);
            v4.StoreUnsafe(ref acc, 128);
            data = data[(rows * Row)..];
        }

        for (var i = 0; i < data.Length; i++) _columns[i] ^= data[i];
    }

    /// <summary>The 20-byte digest of what was appended so far (appending may continue afterwards).</summary>
    public byte[] GetDigest()
    {
        // The register as three little-endian 64-bit cells (bits 0-63, 64-127, 128-159).
        Span<ulong> cells = stackalloc ulong[3];
        for (var column = 0; column < Row; column++)
        {
            ulong value = _columns[column];
            if (value == 0) continue;
            var bit = column * Shift % Row;
            for (var b = 0; b < 8; b++)
            {
                if ((value >> b & 1) == 0) continue;
                var target = (bit + b) % Row;
                cells[target / 64] ^= 1UL << (target % 64);
            }
        }
        var digest = new byte[DigestBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(digest, cells[0]);
        BinaryPrimitives.WriteUInt64LittleEndian(digest.AsSpan(8), cells[1]);
        BinaryPrimitives.WriteUInt32LittleEndian(digest.AsSpan(16), (uint)cells[2]);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(length, _length);
        for (var i = 0; i < 8; i++) digest[DigestBytes - 8 + i] ^= length[i];
        return digest;
    }

    public string GetBase64() => Convert.ToBase64String(GetDigest());

    public static string Compute(ReadOnlySpan<byte> data)
    {
        var hash = new QuickXorHash();
        hash.Append(data);
        return hash.GetBase64();
    }
}
