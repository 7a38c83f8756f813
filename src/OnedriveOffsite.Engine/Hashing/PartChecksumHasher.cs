using System.IO.Hashing;

namespace OnedriveOffsite.Engine.Hashing;

/// <summary>
/// The checksum that ties a stored part to the bytes of the whole-file SHA-256: XXH128 (System.IO.Hashing) of the
/// part's source bytes, taken by the part worker from the bytes it encrypts and by the <see cref="TrailingHasher"/>
/// from the bytes it hashes, and kept in the resume journal. XXH128 runs at memory speed, so it adds no second
/// cryptographic pass; it guards against accidental change (a file rewritten with the same size and time, bit rot,
/// a racing writer), not against someone who can already write the source (docs/DECISIONS.md "One SHA-256 pass").
/// </summary>
public static class PartChecksumHasher
{
    public static UInt128 Value(XxHash128 hash)
    {
        Span<byte> bytes = stackalloc byte[16];
        hash.GetCurrentHash(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    public static string ToHex(UInt128 value) => value.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);
}
