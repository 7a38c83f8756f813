using System.Buffers.Binary;
using System.Security.Cryptography;

namespace OnedriveOffsite.Engine.Crypto;

/// <summary>
/// AES-256-GCM over the records of one stored file (a part or a manifest), STREAM-style (age, Tink): the nonce is
/// an 11-byte big-endian record counter followed by a last-record flag byte, so records cannot be reordered,
/// dropped, duplicated or truncated without failing authentication. The file header is the associated data.
/// </summary>
public sealed class RecordCipher : IDisposable
{
    public const int TagSize = 16;
    public const int NonceSize = 12;
    private readonly AesGcm _aes;
    private readonly byte[] _associatedData;

    public RecordCipher(ReadOnlySpan<byte> key, ReadOnlySpan<byte> associatedData)
    {
        _aes = new AesGcm(key, TagSize);
        _associatedData = associatedData.ToArray();
    }

    /// <summary>Writes ciphertext‖tag (plaintext.Length + 16 bytes) into <paramref name="sealedOutput"/>.</summary>
    public void Seal(long counter, bool last, ReadOnlySpan<byte> plaintext, Span<byte> sealedOutput)
    {
        Span<byte> nonce = stackalloc byte[NonceSize];
        WriteNonce(nonce, counter, last);
        _aes.Encrypt(nonce, plaintext, sealedOutput[..plaintext.Length], sealedOutput.Slice(plaintext.Length, TagSize), _associatedData);
    }

    /// <summary>Decrypts ciphertext‖tag into <paramref name="plaintextOutput"/>; false when authentication fails.</summary>
    public bool TryOpen(long counter, bool last, ReadOnlySpan<byte> sealedInput, Span<byte> plaintextOutput)
    {
        if (sealedInput.Length < TagSize) return false;
        Span<byte> nonce = stackalloc byte[NonceSize];
        WriteNonce(nonce, counter, last);
        var cipherLength = sealedInput.Length - TagSize;
        try
        {
            _aes.Decrypt(nonce, sealedInput[..cipherLength], sealedInput[cipherLength..], plaintextOutput[..cipherLength], _associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            plaintextOutput[..cipherLength].Clear();
            return false;
        }
    }

    public void Dispose() => _aes.Dispose();

    private static void WriteNonce(Span<byte> nonce, long counter, bool last)
    {
        nonce.Clear();
        // 11-byte big-endian counter: the top 3 bytes stay zero for any realistic record count.
        BinaryPrimitives.WriteInt64BigEndian(nonce.Slice(3, 8), counter);
        nonce[11] = last ? (byte)1 : (byte)0;
    }
}
