using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace OnedriveOffsite.GraphEmulator.Hashing;

/// <summary>
/// OneDrive's quickXorHash, written for the emulator on purpose instead of sharing the client's code: a test
/// oracle that reuses the implementation under test would agree with its bugs.
/// </summary>
/// <remarks>
/// Definition: byte number p of the input is XORed into a 160-bit register at bit offset (p * 11) mod 160
/// (wrapping around), then the total length (int64, little-endian) is XORed into the register's last 8 bytes.
/// Because the offset only depends on p mod 160, this implementation first XOR-folds the input into 160
/// "lanes" (lane r holds the XOR of every byte whose position is r mod 160) with plain 64-bit XORs over whole
/// 160-byte blocks, and only spreads the 160 lanes into the register when the hash is read. That makes the
/// hot loop a straight XOR of the data, fast enough to hash every byte the emulator stores.
/// </remarks>
public sealed class ReferenceQuickXorHash
{
    private const int WidthBytes = 20;   // 160 bits
    private const int Period = 160;      // positions after which bit offsets repeat
    private const int Shift = 11;

    private readonly byte[] _lanes = new byte[Period];
    private long _length;

    /// <summary>Total number of bytes hashed so far.</summary>
    public long Length => _length;

    public void Append(ReadOnlySpan<byte> data)
    {
        int lane = (int)(_length % Period);
        _length += data.Length;

        // Head: until the next position that is lane 0.
        while (lane != 0 && !data.IsEmpty)
        {
            _lanes[lane] ^= data[0];
            data = data[1..];
            lane = (lane + 1) % Period;
        }

        // Body: whole 160-byte blocks, 20 ulongs each.
        Span<ulong> acc = MemoryMarshal.Cast<byte, ulong>(_lanes.AsSpan());
        int blocks = data.Length / Period;
        if (blocks > 0)
        {
            ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(data[..(blocks * Period)]);
            ulong a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5], a6 = acc[6],
                a7 = acc[7], a8 = acc[8], a9 = acc[9], a10 = acc[10], a11 = acc[11], a12 = acc[12], a13 = acc[13],
                a14 = acc[14], a15 = acc[15], a16 = acc[16], a17 = acc[17], a18 = acc[18], a19 = acc[19];
            for (int i = 0; i < words.Length; i += 20)
            {
                a0 ^= words[i]; a1 ^= words[i + 1]; a2 ^= words[i + 2]; a3 ^= words[i + 3]; a4 ^= words[i + 4];
                a5 ^= words[i + 5]; a6 ^= words[i + 6]; a7 ^= words[i + 7]; a8 ^= words[i + 8]; a9 ^= words[i + 9];
                a10 ^= words[i + 10]; a11 ^= words[i + 11]; a12 ^= words[i + 12]; a13 ^= words[i + 13];
                a14 ^= words[i + 14]; a15 ^= words[i + 15]; a16 ^= words[i + 16]; a17 ^= words[i + 17];
                a18 ^= words[i + 18]; a19 ^= words[i + 19];
            }
            acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3; acc[4] = a4; acc[5] = a5; acc[6] = a6;
            acc[7] = a7; acc[8] = a8; acc[9] = a9; acc[10] = a10; acc[11] = a11; acc[12] = a12; acc[13] = a13;
            acc[14] = a14; acc[15] = a15; acc[16] = a16; acc[17] = a17; acc[18] = a18; acc[19] = a19;
            data = data[(blocks * Period)..];
        }

        // Tail: fewer than 160 bytes, starting at lane 0.
        for (int i = 0; i < data.Length; i++) _lanes[i] ^= data[i];
    }

    /// <summary>The 20-byte digest of everything appended so far (the hash can keep being appended to).</summary>
    public byte[] GetDigest()
    {
        var register = new byte[WidthBytes];
        for (int lane = 0; lane < Period; lane++)
        {
            byte value = _lanes[lane];
            if (value == 0) continue;
            int bit = lane * Shift % Period;
            // Spread the 8 bits of the lane over the register, wrapping from bit 159 to bit 0.
            int byteIndex = bit / 8, bitInByte = bit % 8;
            register[byteIndex] ^= (byte)(value << bitInByte);
            if (bitInByte != 0) register[(byteIndex + 1) % WidthBytes] ^= (byte)(value >> (8 - bitInByte));
        }
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(length, _length);
        for (int i = 0; i < 8; i++) register[WidthBytes - 8 + i] ^= length[i];
        return register;
    }

    public string GetBase64() => Convert.ToBase64String(GetDigest());

    public ReferenceQuickXorHash Clone()
    {
        var copy = new ReferenceQuickXorHash { _length = _length };
        _lanes.CopyTo(copy._lanes, 0);
        return copy;
    }

    public static string Compute(ReadOnlySpan<byte> data)
    {
        var h = new ReferenceQuickXorHash();
        h.Append(data);
        return h.GetBase64();
    }

    public static async Task<string> ComputeFileAsync(string path, CancellationToken ct = default)
    {
        var h = new ReferenceQuickXorHash();
        var buffer = new byte[1 << 20];
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, true);
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0) h.Append(buffer.AsSpan(0, read));
        return h.GetBase64();
    }
}
