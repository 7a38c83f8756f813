using System.Buffers.Binary;
using OnedriveOffsite.Engine.Crypto;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// The record stream of v2 index, chunk-list and manifest files (docs/FORMAT.md §9.3): after the header, records
/// <c>u32 L ‖ ciphertext ‖ tag</c> sealed with the file key, nonce = record counter ‖ last flag (as v1 parts), AAD =
/// the header. Truncation, reordering and splicing fail authentication; each record is checked before it is used,
/// so a reader holds one record at a time however long the file is.
/// </summary>
public sealed class SealedRecordWriter : IDisposable
{
    private readonly RecordCipher _cipher;
    private long _counter;

    public SealedRecordWriter(byte[] fileKey, byte[] header) => _cipher = new RecordCipher(fileKey, header);

    /// <summary>Returns <c>u32 L ‖ ciphertext ‖ tag</c> for the next record.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext, bool last)
    {
        var output = new byte[4 + plaintext.Length + RecordCipher.TagSize];
        BinaryPrimitives.WriteUInt32BigEndian(output, (uint)(plaintext.Length + RecordCipher.TagSize));
        _cipher.Seal(_counter++, last, plaintext, output.AsSpan(4));
        return output;
    }

    public void Dispose() => _cipher.Dispose();
}

/// <summary>Reads and opens the records written by <see cref="SealedRecordWriter"/> from a forward-only stream.</summary>
public sealed class SealedRecordReader : IDisposable
{
    /// <summary>The largest record plaintext any v2 file may have (bounds a reader's memory against hostile input).</summary>
    public const int MaxRecordPlaintext = 1 << 20;
    private readonly Stream _stream;
    private readonly RecordCipher _cipher;
    private long _counter;

    public SealedRecordReader(Stream stream, byte[] fileKey, byte[] header)
    {
        _stream = stream;
        _cipher = new RecordCipher(fileKey, header);
    }

    public bool SawLast { get; private set; }

    /// <summary>
    /// The next record's plaintext, or null at the end of the stream. Throws <paramref name="fail"/>'s exception
    /// when a record is malformed or fails authentication, and when bytes follow the last record.
    /// </summary>
    public async Task<byte[]?> NextAsync(Func<string, Exception> fail, CancellationToken ct)
    {
        var prefix = new byte[4];
        var got = await ReadFullyAsync(_stream, prefix, ct).ConfigureAwait(false);
        if (got == 0)
        {
            if (!SawLast) throw fail("it ends before its last record (truncated)");
            return null;
        }
        if (SawLast) throw fail("it has bytes after its last record");
        if (got < 4) throw fail("it is truncated");
        var length = BinaryPrimitives.ReadUInt32BigEndian(prefix);
        if (length < RecordCipher.TagSize || length > MaxRecordPlaintext + RecordCipher.TagSize)
            throw fail("a record has an impossible length");
        var sealedBytes = new byte[length];
        if (await ReadFullyAsync(_stream, sealedBytes, ct).ConfigureAwait(false) != length) throw fail("it is truncated");
        var plain = new byte[length - RecordCipher.TagSize];
        // A record that opens only with the last flag set is the last one; any other that fails is damage.
        if (_cipher.TryOpen(_counter, last: false, sealedBytes, plain)) { _counter++; return plain; }
        if (_cipher.TryOpen(_counter, last: true, sealedBytes, plain)) { _counter++; SawLast = true; return plain; }
        throw fail($"record {_counter} failed authentication (it was modified, damaged, reordered or comes from another file)");
    }

    public static async Task<int> ReadFullyAsync(Stream stream, Memory<byte> buffer, CancellationToken ct)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer[total..], ct).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    public void Dispose() => _cipher.Dispose();
}
