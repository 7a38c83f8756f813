using System.Buffers.Binary;
using System.Security.Cryptography;
using OnedriveOffsite.Engine.Crypto;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// Gathers sealed chunk records into one pack in memory (docs/FORMAT.md §9.5) until it reaches the target size;
/// its bytes are then stored as one file with a size known up front (what OneDrive upload sessions need).
/// </summary>
public sealed class PackBuilder : IDisposable
{
    private readonly PackCipher _cipher;
    private readonly byte[] _buffer;

    public PackBuilder(MasterKey key, int targetSize, int maxRecord, byte[]? packId = null, byte[]? salt = null, byte[]? buffer = null)
    {
        PackId = packId ?? RandomNumberGenerator.GetBytes(16);
        Salt = salt ?? RandomNumberGenerator.GetBytes(32);
        TargetSize = targetSize;
        var header = new V2Header(V2FileKind.Pack, PackId, key.KeyIdBytes, Salt).ToBytes();
        _buffer = buffer ?? new byte[BufferSize(targetSize, maxRecord)];
        if (_buffer.Length < BufferSize(targetSize, maxRecord))
            throw new ArgumentException("The pack buffer is too small.", nameof(buffer));
        header.CopyTo(_buffer, 0);
        Length = V2Header.Size;
        _cipher = new PackCipher(V2Keys.FileKey(key, V2FileKind.Pack, Salt, PackId), header);
    }

    /// <summary>
    /// The buffer a pack of <paramref name="targetSize"/> needs: it may overshoot by one record of up to
    /// <paramref name="maxRecord"/> bytes.
    /// </summary>
    public static int BufferSize(int targetSize, int maxRecord) => targetSize + maxRecord + 4 + 1 + RecordCipher.TagSize;

    /// <summary>The buffer the pack is built in (to be returned to its pool once the pack is stored).</summary>
    public byte[] Buffer => _buffer;

    public byte[] PackId { get; }
    public byte[] Salt { get; }
    public int TargetSize { get; }
    public int Length { get; private set; }
    public int ChunkCount { get; private set; }
    public bool IsFull => Length >= TargetSize;
    public ReadOnlyMemory<byte> Bytes => _buffer.AsMemory(0, Length);

    /// <summary>Seals one chunk (codec ‖ payload) at the end of the pack; returns its offset and stored length.</summary>
    public (uint Offset, uint StoredLength) Add(ChunkId id, byte codec, ReadOnlySpan<byte> payload)
    {
        var offset = Length;
        var sealedLength = 1 + payload.Length + RecordCipher.TagSize;
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(offset), (uint)sealedLength);
        // The plaintext (codec byte ‖ payload) is staged where its ciphertext goes: AES-GCM allows in-place sealing.
        var plain = _buffer.AsSpan(offset + 4, 1 + payload.Length);
        plain[0] = codec;
        payload.CopyTo(plain[1..]);
        _cipher.Seal(offset, id, plain, _buffer.AsSpan(offset + 4, sealedLength));
        Length += 4 + sealedLength;
        ChunkCount++;
        return ((uint)offset, (uint)(4 + sealedLength));
    }

    public PackRecord Describe() => new(PackId, Salt, Length, Blake3.Hasher.Hash(Bytes.Span).AsSpan().ToArray());

    public void Dispose() => _cipher.Dispose();
}
