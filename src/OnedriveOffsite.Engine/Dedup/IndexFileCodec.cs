using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>One chunk an index file records, with the pack as a number into that file's own pack table.</summary>
public readonly record struct IndexEntry(ChunkId Id, int Pack, uint Offset, uint StoredLength, uint PlainLength);

/// <summary>
/// An index file (docs/FORMAT.md §9.6): header, then sealed records: the set name and counts, the pack table
/// (at most <see cref="PacksPerRecord"/> per record), then the chunk entries (at most <see cref="EntriesPerRecord"/>
/// per record). Written after all its packs are stored; read one record at a time.
/// </summary>
public static class IndexFileCodec
{
    public const int PackEntrySize = 16 + 32 + 8 + 32;
    public const int ChunkEntrySize = ChunkId.Size + 16;
    public const int PacksPerRecord = 8192;
    public const int EntriesPerRecord = 16384;

    public static Task WriteAsync(Func<ReadOnlyMemory<byte>, Task> write, MasterKey key, byte[] indexId, byte[] salt, string set,
        IReadOnlyList<PackRecord> packs, IReadOnlyList<IndexEntry> entries) =>
        WriteAsync(write, key, indexId, salt, set, packs, entries.Count, (first, plain) =>
        {
            for (var i = 0; i * ChunkEntrySize < plain.Length; i++)
                Encode(entries[(int)first + i], plain.AsSpan(i * ChunkEntrySize, ChunkEntrySize));
            return Task.CompletedTask;
        });

    /// <summary>Writes the index file with its chunk entries read from <paramref name="entries"/> (spilled to disk during a
    /// backup).</summary>
    public static Task WriteAsync(Func<ReadOnlyMemory<byte>, Task> write, MasterKey key, byte[] indexId, byte[] salt, string set,
        IReadOnlyList<PackRecord> packs, IndexEntrySpill entries) =>
        WriteAsync(write, key, indexId, salt, set, packs, entries.Count, (_, plain) => entries.ReadNextAsync(plain));

    /// <summary>
    /// One chunk entry as an index record holds it: id ‖ u32 pack ‖ u32 offset ‖ u32 stored length ‖ u32 plain length.
    /// </summary>
    public static void Encode(IndexEntry e, Span<byte> at)
    {
        e.Id.Write(at);
        BinaryPrimitives.WriteUInt32BigEndian(at[32..], (uint)e.Pack);
        BinaryPrimitives.WriteUInt32BigEndian(at[36..], e.Offset);
        BinaryPrimitives.WriteUInt32BigEndian(at[40..], e.StoredLength);
        BinaryPrimitives.WriteUInt32BigEndian(at[44..], e.PlainLength);
    }

    /// <summary>The inverse of <see cref="Encode"/>.</summary>
    public static IndexEntry Decode(ReadOnlySpan<byte> at) => new(ChunkId.Read(at), (int)BinaryPrimitives.ReadUInt32BigEndian(at[32..]),
        BinaryPrimitives.ReadUInt32BigEndian(at[36..]), BinaryPrimitives.ReadUInt32BigEndian(at[40..]),
            BinaryPrimitives.ReadUInt32BigEndian(at[44..]));

    /// <param name="fillEntries">Fills a record's plaintext with the encoded entries from number <c>first</c> on, in order.</param>
    private static async Task WriteAsync(Func<ReadOnlyMemory<byte>, Task> write, MasterKey key, byte[] indexId, byte[] salt, string set,
        IReadOnlyList<PackRecord> packs, long entryCount, Func<long, byte[], Task> fillEntries)
    {
        if (entryCount > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(entryCount));
        var header = new V2Header(V2FileKind.Index, indexId, key.KeyIdBytes, salt).ToBytes();
        await write(header).ConfigureAwait(false);
        using var writer = new SealedRecordWriter(V2Keys.FileKey(key, V2FileKind.Index, salt, indexId), header);
        var setBytes = Encoding.UTF8.GetBytes(set);
        var first = new byte[2 + setBytes.Length + 8];
        BinaryPrimitives.WriteUInt16BigEndian(first, (ushort)setBytes.Length);
        setBytes.CopyTo(first, 2);
        BinaryPrimitives.WriteUInt32BigEndian(first.AsSpan(2 + setBytes.Length), (uint)packs.Count);
        BinaryPrimitives.WriteUInt32BigEndian(first.AsSpan(6 + setBytes.Length), (uint)entryCount);
        var packRecords = (packs.Count + PacksPerRecord - 1) / PacksPerRecord;
        var entryRecords = (int)((entryCount + EntriesPerRecord - 1) / EntriesPerRecord);
        var remaining = packRecords + entryRecords;
        await write(writer.Seal(first, last: remaining == 0)).ConfigureAwait(false);
        for (var r = 0; r < packRecords; r++)
        {
            var count = Math.Min(PacksPerRecord, packs.Count - r * PacksPerRecord);
            var plain = new byte[count * PackEntrySize];
            for (var i = 0; i < count; i++)
            {
                var p = packs[r * PacksPerRecord + i];
                var at = plain.AsSpan(i * PackEntrySize);
                p.PackId.CopyTo(at);
                p.Salt.CopyTo(at[16..]);
                BinaryPrimitives.WriteInt64BigEndian(at[48..], p.Length);
                p.Blake3.CopyTo(at[56..]);
            }
            await write(writer.Seal(plain, last: --remaining == 0)).ConfigureAwait(false);
        }
        for (var r = 0; r < entryRecords; r++)
        {
            var firstEntry = (long)r * EntriesPerRecord;
            var count = (int)Math.Min(EntriesPerRecord, entryCount - firstEntry);
            var plain = new byte[count * ChunkEntrySize];
            await fillEntries(firstEntry, plain).ConfigureAwait(false);
            await write(writer.Seal(plain, last: --remaining == 0)).ConfigureAwait(false);
        }
    }

    /// <summary>Encodes into memory with a fresh salt (small indexes, test vectors).</summary>
    public static async Task<byte[]> EncodeAsync(MasterKey key, byte[] indexId, byte[]? salt, string set, IReadOnlyList<PackRecord> packs,
        IReadOnlyList<IndexEntry> entries)
    {
        using var ms = new MemoryStream();
        await WriteAsync(b => ms.WriteAsync(b).AsTask(), key, indexId, salt ?? RandomNumberGenerator.GetBytes(32), set, packs, entries)
            .ConfigureAwait(false);
        return ms.ToArray();
    }

    /// <summary>
    /// Reads index file <paramref name="name"/> of <paramref name="set"/> into <paramref name="index"/>, checking its
    /// header (name, key), every record, that it belongs to the set, and that every entry names a pack of its table.
    /// </summary>
    public static async Task ReadAsync(Stream stream, MasterKey key, string set, string name, IIndexFileSink index, CancellationToken ct)
    {
        var what = $"index file {set}/{V2Layout.IndexFolder}/{name}";
        Exception Fail(string why) =>
            new OffsiteException("IndexCorrupt", OffsiteErrorCategory.InvalidData, $"The {what} is damaged: {why}.", name);
        var headerBytes = new byte[V2Header.Size];
        if (await SealedRecordReader.ReadFullyAsync(stream, headerBytes, ct).ConfigureAwait(false) != V2Header.Size)
            throw Fail("it is truncated");
        var header = V2Header.Parse(V2FileKind.Index, headerBytes, "IndexCorrupt", what);
        if (header.KeyIdHex != key.KeyId)
            throw new OffsiteException(ErrorIds.Keys.KeyMismatch, OffsiteErrorCategory.SecurityError,
                $"The {what} was made with key {header.KeyIdHex}, but the loaded key is {key.KeyId}.", name);
        if (V2Layout.IndexName(header.FileId) != name) throw Fail("its header names another index file (it was renamed or copied)");
        using var reader = new SealedRecordReader(stream, V2Keys.FileKey(key, V2FileKind.Index, header.Salt, header.FileId), headerBytes);
        var first = await reader.NextAsync(Fail, ct).ConfigureAwait(false) ?? throw Fail("it has no records");
        if (first.Length < 2) throw Fail("its first record is too short");
        var setLength = BinaryPrimitives.ReadUInt16BigEndian(first);
        if (first.Length != 2 + setLength + 8) throw Fail("its first record has the wrong size");
        var fileSet = Encoding.UTF8.GetString(first, 2, setLength);
        if (fileSet != set)
            throw new OffsiteException("IndexMisplaced", OffsiteErrorCategory.InvalidData,
                $"The {what} belongs to set '{fileSet}', not '{set}' (it was moved or copied).", name);
        var packCount = BinaryPrimitives.ReadUInt32BigEndian(first.AsSpan(2 + setLength));
        var entryCount = BinaryPrimitives.ReadUInt32BigEndian(first.AsSpan(6 + setLength));
        var numbers = new int[packCount];
        var packsRead = 0;
        while (packsRead < packCount)
        {
            var rec = await reader.NextAsync(Fail, ct).ConfigureAwait(false) ?? throw Fail("its pack table is cut short");
            var expected = (int)Math.Min(PacksPerRecord, packCount - packsRead);
            if (rec.Length != expected * PackEntrySize) throw Fail("a pack table record has the wrong size");
            for (var i = 0; i < expected; i++)
            {
                var at = rec.AsSpan(i * PackEntrySize, PackEntrySize);
                var pack = new PackRecord(at[..16].ToArray(), at.Slice(16, 32).ToArray(), BinaryPrimitives.ReadInt64BigEndian(at[48..]),
                    at.Slice(56, 32).ToArray());
                numbers[packsRead++] = index.AddPack(pack, Fail);
            }
        }
        long entriesRead = 0;
        while (entriesRead < entryCount)
        {
            var rec = await reader.NextAsync(Fail, ct).ConfigureAwait(false) ?? throw Fail("its chunk entries are cut short");
            var expected = (int)Math.Min(EntriesPerRecord, entryCount - entriesRead);
            if (rec.Length != expected * ChunkEntrySize) throw Fail("a chunk entry record has the wrong size");
            for (var i = 0; i < expected; i++)
            {
                var at = rec.AsSpan(i * ChunkEntrySize, ChunkEntrySize);
                var pack = BinaryPrimitives.ReadUInt32BigEndian(at[32..]);
                if (pack >= packCount) throw Fail("a chunk entry names a pack outside its table");
                index.AddChunk(ChunkId.Read(at), new ChunkLocation(numbers[pack], BinaryPrimitives.ReadUInt32BigEndian(at[36..]),
                    BinaryPrimitives.ReadUInt32BigEndian(at[40..]), BinaryPrimitives.ReadUInt32BigEndian(at[44..])));
            }
            entriesRead += expected;
        }
        if (!reader.SawLast) throw Fail("its last record is missing");
        if (await reader.NextAsync(Fail, ct).ConfigureAwait(false) is not null) throw Fail("it has records after its last one");
    }
}
