using System.Buffers.Binary;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>One chunk to read from a pack, and where its bytes go (offsets relative to the caller's window).</summary>
internal sealed record ChunkRead(ChunkId Id, ChunkLocation Location, List<long> Targets);

/// <summary>
/// Reads chunks from one pack, front to back (docs/FORMAT.md §9.10 step 5): checks the pack header against the
/// index (PackMismatch), opens each record (PackCorrupt), decodes it to exactly its length, and, when asked, recomputes
/// the keyed chunk id (ChunkHashMismatch). A pack stream is only read forward; bytes before the first needed record are
/// skipped.
/// </summary>
/// <summary>
/// The two buffers one pack reader needs (a sealed record, a decompressed chunk), kept for reuse across packs and
/// grown only to the largest record met (at most the 4 MiB a valid index entry can record).
/// </summary>
internal sealed class ChunkReadBuffers
{
    private byte[] _record = Array.Empty<byte>();
    private byte[] _plain = Array.Empty<byte>();

    public Memory<byte> Record(int length) => Ensure(ref _record, length).AsMemory(0, length);

    public Memory<byte> Plain(int length) => Ensure(ref _plain, length).AsMemory(0, length);

    private static byte[] Ensure(ref byte[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new byte[Math.Max(length, 256 << 10)];
        return buffer;
    }
}

internal static class ChunkReader
{
    /// <param name="checkChunkIds">
    /// Recompute each chunk's keyed BLAKE3 and compare it with its id. Authentication already binds the plaintext to the
    /// id it was sealed under (the id is in the associated data), so only a faulty writer could make them differ: a
    /// restore leaves this to the whole-file SHA-256 it checks anyway, Test-OffsiteBackup -Full and repacking check it.
    /// </param>
    public static Task ReadAsync(ISnapshotRepository repository, MasterKey key, byte[] idKey, string set, PackRecord pack,
        IReadOnlyList<ChunkRead> reads, Action<ChunkRead, ReadOnlyMemory<byte>> deliver, CancellationToken ct,
            ChunkReadBuffers? buffers = null, bool checkChunkIds = true) =>
        ReadRecordsAsync(repository, key, idKey, set, pack, reads, (read, data, _) =>
        {
            deliver(read, data);
            return ValueTask.CompletedTask;
        }, ct, buffers, checkChunkIds);

    /// <summary>
    /// As <see cref="ReadAsync"/>, and hands over each record's opened plaintext too (codec byte ‖ payload, as stored),
    /// after every check passed: repacking seals it again into another pack without compressing it again. Both are only
    /// valid until the returned task completes (the buffers are reused for the next chunk).
    /// </summary>
    public static async Task ReadRecordsAsync(ISnapshotRepository repository, MasterKey key, byte[] idKey, string set, PackRecord pack,
        IReadOnlyList<ChunkRead> reads, Func<ChunkRead, ReadOnlyMemory<byte>, ReadOnlyMemory<byte>, ValueTask> deliver,
        CancellationToken ct, ChunkReadBuffers? buffers = null, bool checkChunkIds = true)
    {
        buffers ??= new ChunkReadBuffers();
        var what = $"pack {set}/{V2Layout.PacksFolder}/{pack.Name}";
        Exception Corrupt(string why) =>
            new OffsiteException("PackCorrupt", OffsiteErrorCategory.InvalidData, $"The {what} is damaged: {why}.", pack.Name);
        Stream stream;
        try { stream = await repository.OpenReadAsync(V2Layout.Packs(set), pack.Name, ct).ConfigureAwait(false); }
        catch (OffsiteException e) when (e.ErrorId == ErrorIds.Snapshots.PartMissing)
        {
            throw new OffsiteException("PackMissing", OffsiteErrorCategory.ObjectNotFound,
                $"The {what} is missing from the repository; the snapshot needs it.", pack.Name, e);
        }
        await using var _ = stream;
        var header = new byte[V2Header.Size];
        if (await SealedRecordReader.ReadFullyAsync(stream, header, ct).ConfigureAwait(false) != header.Length)
            throw Corrupt("it is truncated");
        var parsed = V2Header.Parse(V2FileKind.Pack, header, "PackCorrupt", $"The {what}");
        if (parsed.KeyIdHex != key.KeyId || !parsed.FileId.AsSpan().SequenceEqual(pack.PackId)
            || !parsed.Salt.AsSpan().SequenceEqual(pack.Salt))
            throw new OffsiteException("PackMismatch", OffsiteErrorCategory.InvalidData,
                $"The {what} is not the pack the index records (another pack stored under its name, or an older copy from another " +
                    "attempt).", pack.Name);
        using var cipher = new PackCipher(V2Keys.FileKey(key, V2FileKind.Pack, parsed.Salt, parsed.FileId), header);
        using var decompressor = new SegmentDecompressor();
        long position = V2Header.Size;
        var hash = new byte[32];
        using var hasher = Blake3.Hasher.NewKeyed(idKey);
        foreach (var read in reads.OrderBy(r => r.Location.Offset))
        {
            var loc = read.Location;
            if (loc.Offset < position) throw Corrupt($"two chunks are recorded at overlapping places (offset {loc.Offset})");
            await SkipAsync(stream, loc.Offset - position, ct, Corrupt).ConfigureAwait(false);
            if (loc.StoredLength < 4 + 1 + RecordCipher.TagSize || loc.StoredLength > SealedRecordReader.MaxRecordPlaintext * 4
                || loc.PlainLength > SealedRecordReader.MaxRecordPlaintext * 4)
                throw Corrupt($"the index records an impossible length for chunk {read.Id}");
            var record = buffers.Record((int)loc.StoredLength);
            if (await SealedRecordReader.ReadFullyAsync(stream, record, ct).ConfigureAwait(false) != record.Length)
                throw Corrupt($"it ends inside chunk {read.Id} (truncated)");
            position = loc.Offset + loc.StoredLength;
            if (BinaryPrimitives.ReadUInt32BigEndian(record.Span) != loc.StoredLength - 4)
                throw Corrupt($"the record at offset {loc.Offset} is not the one the index records for chunk {read.Id}");
            // Opened in place (AES-GCM allows the plaintext to overwrite its own ciphertext exactly).
            var plain = record[4..^RecordCipher.TagSize];
            if (!cipher.TryOpen(loc.Offset, read.Id, record.Span[4..], plain.Span))
                throw Corrupt($"chunk {read.Id} at offset {loc.Offset} failed authentication (modified, damaged, or the index points " +
                    "elsewhere)");
            ReadOnlyMemory<byte> data;
            if (plain.Span[0] == 0 && plain.Length - 1 == loc.PlainLength) data = plain[1..];
            else if (plain.Span[0] == 1)
            {
                var output = buffers.Plain((int)loc.PlainLength);
                if (!decompressor.TryDecompress(plain.Span[1..], output.Span, (int)loc.PlainLength))
                    throw Corrupt($"chunk {read.Id} does not decompress to its {loc.PlainLength} bytes");
                data = output;
            }
            else throw Corrupt($"chunk {read.Id} has an unknown codec or the wrong length");
            if (checkChunkIds && !HasId(hasher, data.Span, hash, read.Id))
                throw new OffsiteException("ChunkHashMismatch", OffsiteErrorCategory.InvalidData,
                    $"Chunk {read.Id} read from the {what} has other content than its id says.", pack.Name);
            await deliver(read, data, plain).ConfigureAwait(false);
        }
    }

    private static bool HasId(Blake3.Hasher hasher, ReadOnlySpan<byte> data, byte[] hash, ChunkId id)
    {
        hasher.Reset();
        hasher.Update(data);
        hasher.Finalize(hash);
        return ChunkId.Read(hash) == id;
    }

    private static async Task SkipAsync(Stream stream, long count, CancellationToken ct, Func<string, Exception> corrupt)
    {
        if (count == 0) return;
        if (stream.CanSeek) { stream.Seek(count, SeekOrigin.Current); return; }
        var buffer = new byte[(int)Math.Min(count, 1 << 20)];
        while (count > 0)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(count, buffer.Length)), ct).ConfigureAwait(false);
            if (n == 0) throw corrupt("it is shorter than the index records (truncated)");
            count -= n;
        }
    }
}
