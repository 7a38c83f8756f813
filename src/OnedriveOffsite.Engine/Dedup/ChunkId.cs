using System.Buffers.Binary;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// A chunk's 32-byte id: keyed BLAKE3 of its plaintext (docs/FORMAT.md §9.2). A value type of four words so that a
/// set's index holds no object per chunk.
/// </summary>
public readonly record struct ChunkId(ulong A, ulong B, ulong C, ulong D)
{
    public const int Size = 32;

    /// <summary>The id of <paramref name="data"/>: BLAKE3 in keyed mode under the chunk-id key (docs/FORMAT.md §9.2).</summary>
    public static ChunkId Compute(byte[] idKey, ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[Size];
        using var hasher = Blake3.Hasher.NewKeyed(idKey);
        hasher.Update(data);
        hasher.Finalize(hash);
        return Read(hash);
    }

    public static ChunkId Read(ReadOnlySpan<byte> b) => new(
        BinaryPrimitives.ReadUInt64BigEndian(b), BinaryPrimitives.ReadUInt64BigEndian(b[8..]),
        BinaryPrimitives.ReadUInt64BigEndian(b[16..]), BinaryPrimitives.ReadUInt64BigEndian(b[24..]));

    public void Write(Span<byte> b)
    {
        BinaryPrimitives.WriteUInt64BigEndian(b, A);
        BinaryPrimitives.WriteUInt64BigEndian(b[8..], B);
        BinaryPrimitives.WriteUInt64BigEndian(b[16..], C);
        BinaryPrimitives.WriteUInt64BigEndian(b[24..], D);
    }

    public byte[] ToBytes()
    {
        var b = new byte[Size];
        Write(b);
        return b;
    }

    public override int GetHashCode() => (int)A ^ (int)(A >> 32);

    public override string ToString() => Convert.ToHexString(ToBytes()).ToLowerInvariant();
}
