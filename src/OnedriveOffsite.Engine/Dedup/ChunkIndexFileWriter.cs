using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OnedriveOffsite.Engine.IO;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// Writes a <see cref="ChunkIndexFile"/> (docs/FORMAT.md §9.12) in one pass from entries sorted by id: the entry pages
/// as they fill, then the metadata (index files, pack table, page fences, Bloom filter), then the header with its MAC.
/// Memory: one page, the fences and the Bloom filter. The file is created owner-only; no fsync (a torn file after a
/// crash fails its MAC and is rebuilt).
/// </summary>
internal static class ChunkIndexFileWriter
{
    /// <param name="maxEntries">At least the number of entries (sizes the Bloom filter).</param>
    public static void Write(string path, byte[] macKey, byte[] keyId, byte[] identity, IReadOnlyList<PackRecord> packs,
        IReadOnlyList<StoredFile> files, long maxEntries, IEnumerable<KeyValuePair<ChunkId, ChunkLocation>> sortedEntries)
    {
        var generation = RandomNumberGenerator.GetBytes(16);
        var bloom = ChunkBloomFilter.For(maxEntries);
        var fences = new List<ulong>();
        var page = new byte[ChunkIndexFile.PageSize];
        long count = 0;
        var inPage = 0;
        ChunkId? previous = null;
        using var file = OwnerOnlyFile.Platform.CreateNew(path);
        file.Write(new byte[ChunkIndexFile.PageSize]);

        void FlushPage()
        {
            const int Body = ChunkIndexFile.PageSize - ChunkIndexFile.PageMacSize;
            page.AsSpan(inPage * ChunkIndexFile.EntrySize, Body - inPage * ChunkIndexFile.EntrySize).Clear();
            ChunkIndexFile.PageMac(macKey, generation, fences.Count - 1, page.AsSpan(0, Body), page.AsSpan(Body));
            file.Write(page);
            inPage = 0;
        }

        foreach (var (id, location) in sortedEntries)
        {
            if (previous is { } p && ChunkIndexFile.Compare(p, id) >= 0)
                throw new InvalidOperationException("Index entries must come sorted by id, each once.");
            if ((uint)location.Pack >= (uint)packs.Count)
                throw new InvalidOperationException("An index entry names a pack outside the table.");
            previous = id;
            if (inPage == 0) fences.Add(id.A);
            IndexFileCodec.Encode(new IndexEntry(id, location.Pack, location.Offset, location.StoredLength, location.PlainLength),
                page.AsSpan(inPage * ChunkIndexFile.EntrySize, ChunkIndexFile.EntrySize));
            bloom.Add(id);
            count++;
            if (++inPage == ChunkIndexFile.EntriesPerPage) FlushPage();
        }
        if (inPage > 0) FlushPage();

        var fileBytes = files.Select(f => new[]
        {
            Encoding.UTF8.GetBytes(f.Name),
            Encoding.UTF8.GetBytes(f.Checksum?.Algorithm ?? ""),
            Encoding.UTF8.GetBytes(f.Checksum?.Value ?? ""),
        }).ToList();
        var metadataLength = fileBytes.Sum(f => 2 + f[0].Length + 8 + 2 + f[1].Length + 2 + f[2].Length)
            + (long)packs.Count * IndexFileCodec.PackEntrySize + fences.Count * 8L + bloom.Words.Length * 8L;
        var header = new byte[ChunkIndexFile.PageSize];
        ChunkIndexFile.Magic.CopyTo(header);
        header[4] = ChunkIndexFile.Version;
        generation.CopyTo(header, 8);
        keyId.CopyTo(header, 24);
        identity.CopyTo(header, 32);
        BinaryPrimitives.WriteInt64BigEndian(header.AsSpan(64), count);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(72), (uint)packs.Count);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(76), (uint)files.Count);
        BinaryPrimitives.WriteInt64BigEndian(header.AsSpan(80), bloom.Words.Length);
        BinaryPrimitives.WriteInt64BigEndian(header.AsSpan(88), ChunkIndexFile.PageSize * (1 + (long)fences.Count));
        BinaryPrimitives.WriteInt64BigEndian(header.AsSpan(96), metadataLength);

        using var mac = Blake3.Hasher.NewKeyed(macKey);
        mac.Update(header.AsSpan(0, ChunkIndexFile.HeaderFieldsSize));
        using (var metadata = new BufferedStream(new MacStream(file, mac), 1 << 16))
        {
            Span<byte> u64 = stackalloc byte[8];
            void String(byte[] b)
            {
                Span<byte> n = stackalloc byte[2];
                BinaryPrimitives.WriteUInt16BigEndian(n, checked((ushort)b.Length));
                metadata.Write(n);
                metadata.Write(b);
            }
            for (var i = 0; i < files.Count; i++)
            {
                String(fileBytes[i][0]);
                BinaryPrimitives.WriteInt64BigEndian(u64, files[i].Length);
                metadata.Write(u64);
                String(fileBytes[i][1]);
                String(fileBytes[i][2]);
            }
            var entry = new byte[IndexFileCodec.PackEntrySize];
            foreach (var p in packs)
            {
                p.PackId.CopyTo(entry, 0);
                p.Salt.CopyTo(entry, 16);
                BinaryPrimitives.WriteInt64BigEndian(entry.AsSpan(48), p.Length);
                p.Blake3.CopyTo(entry, 56);
                metadata.Write(entry);
            }
            foreach (var f in fences)
            {
                BinaryPrimitives.WriteUInt64BigEndian(u64, f);
                metadata.Write(u64);
            }
            foreach (var w in bloom.Words)
            {
                BinaryPrimitives.WriteUInt64BigEndian(u64, w);
                metadata.Write(u64);
            }
        }
        mac.Finalize(header.AsSpan(ChunkIndexFile.HeaderFieldsSize, ChunkIndexFile.HeaderMacSize));
        file.Position = 0;
        file.Write(header);
    }

    /// <summary>Writes through to the file and feeds the same bytes to the metadata MAC; leaves the file open.</summary>
    private sealed class MacStream(Stream inner, Blake3.Hasher mac) : Stream
    {
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            mac.Update(buffer);
            inner.Write(buffer);
        }

        public override void Flush() => inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
