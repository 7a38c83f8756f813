using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>One entry of a snapshot's chunk list: the chunk's id and plaintext length, in file order.</summary>
public readonly record struct ChunkRef(ChunkId Id, uint Length);

/// <summary>
/// Writes chunks.ooc (docs/FORMAT.md §9.7): the v2 header (file id = snapshot id), then sealed pages of at most
/// <see cref="EntriesPerPage"/> entries (chunk id ‖ u32 length); the last page carries the last flag (an empty file
/// list has one empty page). Holds one page in memory.
/// </summary>
public sealed class ChunkListWriter : IDisposable
{
    public const int EntrySize = ChunkId.Size + 4;
    public const int EntriesPerPage = 16384;
    private readonly Stream _output;
    private readonly SealedRecordWriter _writer;
    private readonly byte[] _page = new byte[EntriesPerPage * EntrySize];
    private int _count;

    public ChunkListWriter(Stream output, MasterKey key, byte[] snapshotId, byte[] salt)
    {
        _output = output;
        var header = new V2Header(V2FileKind.ChunkList, snapshotId, key.KeyIdBytes, salt).ToBytes();
        _output.Write(header);
        _writer = new SealedRecordWriter(V2Keys.FileKey(key, V2FileKind.ChunkList, salt, snapshotId), header);
    }

    public long Chunks { get; private set; }

    public void Add(ChunkId id, uint length)
    {
        if (_count == EntriesPerPage) Flush(last: false);
        var at = _page.AsSpan(_count++ * EntrySize);
        id.Write(at);
        BinaryPrimitives.WriteUInt32BigEndian(at[32..], length);
        Chunks++;
    }

    /// <summary>Writes the last page.</summary>
    public void Finish() => Flush(last: true);

    private void Flush(bool last)
    {
        _output.Write(_writer.Seal(_page.AsSpan(0, _count * EntrySize), last));
        _count = 0;
    }

    public void Dispose() => _writer.Dispose();
}

/// <summary>Reads chunks.ooc one authenticated page at a time (a 1 TiB file's list is never in memory whole).</summary>
public static class ChunkListReader
{
    /// <summary>
    /// The entries in order. Checks the header against the manifest (snapshot id, key, salt: ChunkListMismatch, which
    /// refuses a list swapped in from another snapshot or an older attempt) and every page (ChunkListCorrupt).
    /// </summary>
    public static async IAsyncEnumerable<ChunkRef> ReadAsync(Stream stream, MasterKey key, V2Manifest manifest, string what,
        [EnumeratorCancellation] CancellationToken ct)
    {
        Exception Fail(string why) =>
            new OffsiteException("ChunkListCorrupt", OffsiteErrorCategory.InvalidData, $"The chunk list of {what} is damaged: {why}.",
                what);
        var headerBytes = new byte[V2Header.Size];
        if (await SealedRecordReader.ReadFullyAsync(stream, headerBytes, ct).ConfigureAwait(false) != V2Header.Size)
            throw Fail("it is truncated");
        var header = V2Header.Parse(V2FileKind.ChunkList, headerBytes, "ChunkListCorrupt", $"the chunk list of {what}");
        if (header.KeyIdHex != key.KeyId || Convert.ToHexString(header.FileId).ToLowerInvariant() != manifest.SnapshotId
            || Convert.ToHexString(header.Salt).ToLowerInvariant() != manifest.ChunkList.Salt)
            throw new OffsiteException("ChunkListMismatch", OffsiteErrorCategory.InvalidData,
                $"The chunk list of {what} is not the one its manifest records (it comes from another snapshot or an earlier attempt).",
                    what);
        using var reader = new SealedRecordReader(stream, V2Keys.FileKey(key, V2FileKind.ChunkList, header.Salt, header.FileId),
            headerBytes);
        long count = 0, total = 0;
        while (await reader.NextAsync(Fail, ct).ConfigureAwait(false) is { } page)
        {
            if (page.Length % ChunkListWriter.EntrySize != 0 || page.Length > ChunkListWriter.EntriesPerPage * ChunkListWriter.EntrySize)
                throw Fail("a page has the wrong size");
            for (var at = 0; at < page.Length; at += ChunkListWriter.EntrySize)
            {
                var length = BinaryPrimitives.ReadUInt32BigEndian(page.AsSpan(at + 32));
                count++;
                total += length;
                if (count > manifest.ChunkList.Chunks || total > manifest.Source.Length)
                    throw Fail("it lists more than its manifest records");
                yield return new ChunkRef(ChunkId.Read(page.AsSpan(at)), length);
            }
        }
        if (count != manifest.ChunkList.Chunks || total != manifest.Source.Length)
            throw Fail("it lists fewer chunks or bytes than its manifest records");
    }
}
