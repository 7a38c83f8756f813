using System.Buffers.Binary;
using System.Security.Cryptography;
using OnedriveOffsite.Engine.Crypto;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// Seals and opens the chunk records of one pack (docs/FORMAT.md §9.5): AES-256-GCM with the pack key, nonce = the
/// record's byte offset in the pack (11 bytes big-endian) ‖ 0x00, associated data = the pack header ‖ chunk id. An
/// index entry pointing at another record, another pack or another chunk therefore fails authentication.
/// </summary>
public sealed class PackCipher : IDisposable
{
    private readonly AesGcm _aes;
    private readonly byte[] _aad;

    public PackCipher(byte[] packKey, byte[] header)
    {
        _aes = new AesGcm(packKey, RecordCipher.TagSize);
        _aad = new byte[V2Header.Size + ChunkId.Size];
        header.CopyTo(_aad, 0);
    }

    /// <summary>Writes ciphertext‖tag of <paramref name="plaintext"/> (codec byte ‖ payload) into <paramref name="output"/>.</summary>
    public void Seal(long offset, ChunkId id, ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        Span<byte> nonce = stackalloc byte[RecordCipher.NonceSize];
        WriteNonce(nonce, offset);
        id.Write(_aad.AsSpan(V2Header.Size));
        _aes.Encrypt(nonce, plaintext, output[..plaintext.Length], output.Slice(plaintext.Length, RecordCipher.TagSize), _aad);
    }

    public bool TryOpen(long offset, ChunkId id, ReadOnlySpan<byte> sealedInput, Span<byte> plaintext)
    {
        if (sealedInput.Length < RecordCipher.TagSize) return false;
        Span<byte> nonce = stackalloc byte[RecordCipher.NonceSize];
        WriteNonce(nonce, offset);
        id.Write(_aad.AsSpan(V2Header.Size));
        var n = sealedInput.Length - RecordCipher.TagSize;
        try
        {
            _aes.Decrypt(nonce, sealedInput[..n], sealedInput[n..], plaintext[..n], _aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            plaintext[..n].Clear();
            return false;
        }
    }

    private static void WriteNonce(Span<byte> nonce, long offset)
    {
        nonce.Clear();
        BinaryPrimitives.WriteInt64BigEndian(nonce.Slice(3, 8), offset);
    }

    public void Dispose() => _aes.Dispose();
}
