using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>A local index file that cannot be used (damaged, truncated, made for another repository, set or key).</summary>
internal sealed class IndexCacheInvalidException(string reason) : Exception(reason);

/// <summary>
/// A set's index on disk, read with positioned reads (docs/FORMAT.md §9.12): chunk entries sorted by id in 4 KiB pages,
/// each page with its own MAC; in memory only the pack table, the first id of each page (8 bytes per 85 chunks) and a
/// Bloom filter (10 bits per chunk), so a lookup of an absent chunk rarely reads the disk and one of a present chunk
/// reads one page. No memory-mapping: mapped pages a lookup touches would count in the process's resident memory.
/// Opening checks the header's MAC, then every page's, so a damaged file is refused before anything uses it.
/// </summary>
internal sealed class ChunkIndexFile : IDisposable
{
    public const int PageSize = 4096;
    public const int EntrySize = IndexFileCodec.ChunkEntrySize;
    public const int EntriesPerPage = 85;
    public const int PageMacSize = 16;
    public const int HeaderFieldsSize = 112;
    public const int HeaderMacSize = 32;
    public const byte Version = 1;
    public static ReadOnlySpan<byte> Magic => "OOIC"u8;

    private readonly SafeFileHandle _handle;
    private readonly byte[] _macKey;
    private readonly byte[] _generation;
    private readonly ulong[] _fences;
    private readonly ChunkBloomFilter _bloom;

    private ChunkIndexFile(string path, SafeFileHandle handle, byte[] macKey, byte[] generation, long chunkCount, List<PackRecord> packs,
        List<StoredFile> indexFiles, ulong[] fences, ChunkBloomFilter bloom)
    {
        Path = path;
        _handle = handle;
        _macKey = macKey;
        _generation = generation;
        ChunkCount = chunkCount;
        Packs = packs;
        IndexFiles = indexFiles;
        _fences = fences;
        _bloom = bloom;
    }

    public string Path { get; }

    /// <summary>True for an index built for this run only (no config home): not a cache, deleted when closed.</summary>
    public bool Temporary { get; private set; }
    public long ChunkCount { get; }
    public IReadOnlyList<PackRecord> Packs { get; }

    /// <summary>The repository's index files (name, size, checksum when the backend has one) this index was built from.</summary>
    public IReadOnlyList<StoredFile> IndexFiles { get; }

    /// <summary>The identity field of the header: SHA-256 of the repository's description, a zero byte and the set name.</summary>
    public static byte[] Identity(string repository, string set) => SHA256.HashData(Encoding.UTF8.GetBytes(repository + "\0" + set));

    /// <summary>
    /// Opens and checks an index file. <paramref name="temporary"/>: the file is deleted as soon as it is open (Unix) or
    /// when it is closed (Windows), so nothing is left however the process ends.
    /// </summary>
    /// <exception cref="IndexCacheInvalidException">
    /// The file is damaged, truncated, or was made for another repository, set or key.
    /// </exception>
    /// <param name="checkPages">False only for a file this process has just written (its pages were MACed as they were written).</param>
    public static ChunkIndexFile Open(string path, byte[] macKey, byte[] keyId, byte[] identity, bool temporary = false,
        bool checkPages = true)
    {
        var options = temporary && OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None;
        // Share.Delete: a newer cache file may replace this one by a rename while it is open (also on Windows).
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, options);
        if (temporary && !OperatingSystem.IsWindows()) File.Delete(path);
        try
        {
            var file = Read(path, handle, macKey, keyId, identity);
            file.Temporary = temporary;
            if (checkPages) file.CheckAllPages();
            return file;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static ChunkIndexFile Read(string path, SafeFileHandle handle, byte[] macKey, byte[] keyId, byte[] identity)
    {
        static IndexCacheInvalidException Bad(string why) => new(why);
        var fileLength = RandomAccess.GetLength(handle);
        var header = new byte[PageSize];
        if (fileLength < PageSize || ReadAt(handle, header, 0) != PageSize) throw Bad("it is shorter than its header");
        if (!header.AsSpan(0, 4).SequenceEqual(Magic) || header[4] != Version) throw Bad("it is not an index cache file of this version");
        if (!header.AsSpan(24, 8).SequenceEqual(keyId)) throw Bad("it was made with another key");
        if (!header.AsSpan(32, 32).SequenceEqual(identity)) throw Bad("it was made for another repository or set");
        var chunkCount = BinaryPrimitives.ReadInt64BigEndian(header.AsSpan(64));
        var packCount = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(72));
        var fileCount = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(76));
        var bloomWords = BinaryPrimitives.ReadInt64BigEndian(header.AsSpan(80));
        var metadataOffset = BinaryPrimitives.ReadInt64BigEndian(header.AsSpan(88));
        var metadataLength = BinaryPrimitives.ReadInt64BigEndian(header.AsSpan(96));
        var pages = PagesFor(chunkCount);
        if (chunkCount < 0 || pages < 0 || metadataOffset != PageSize * (1 + pages) || metadataLength < 0
            || metadataOffset + metadataLength != fileLength)
            throw Bad("its size does not match its header (truncated or extended)");

        // The MAC covers the header's fields and all the metadata; it is checked before the counts are used to size anything.
        using (var mac = Blake3.Hasher.NewKeyed(macKey))
        {
            mac.Update(header.AsSpan(0, HeaderFieldsSize));
            var reader = new Sequential(handle, metadataOffset);
            var buffer = new byte[1 << 20];
            for (var left = metadataLength; left > 0;)
            {
                var n = (int)Math.Min(buffer.Length, left);
                reader.ReadExactly(buffer.AsSpan(0, n));
                mac.Update(buffer.AsSpan(0, n));
                left -= n;
            }
            Span<byte> expected = stackalloc byte[HeaderMacSize];
            mac.Finalize(expected);
            if (!CryptographicOperations.FixedTimeEquals(expected, header.AsSpan(HeaderFieldsSize, HeaderMacSize)))
                throw Bad("its header or metadata fail their MAC (damaged)");
        }
        if (bloomWords < 1 || bloomWords > ChunkBloomFilter.MaxBits / 64) throw Bad("its Bloom filter has an impossible size");

        var meta = new Sequential(handle, metadataOffset);
        var files = new List<StoredFile>((int)Math.Min(fileCount, 1 << 16));
        for (var i = 0; i < fileCount; i++)
        {
            var name = meta.ReadString();
            var length = meta.ReadInt64();
            var algorithm = meta.ReadString();
            var value = meta.ReadString();
            files.Add(new StoredFile(name, length, algorithm.Length == 0 ? null : new StoredChecksum(algorithm, value)));
        }
        var packs = new List<PackRecord>((int)Math.Min(packCount, 1 << 20));
        var entry = new byte[IndexFileCodec.PackEntrySize];
        for (var i = 0; i < packCount; i++)
        {
            meta.ReadExactly(entry);
            packs.Add(new PackRecord(entry[..16], entry[16..48], BinaryPrimitives.ReadInt64BigEndian(entry.AsSpan(48)), entry[56..88]));
        }
        var fences = new ulong[pages];
        for (var i = 0; i < pages; i++) fences[i] = meta.ReadUInt64();
        var words = new ulong[bloomWords];
        for (var i = 0; i < bloomWords; i++) words[i] = meta.ReadUInt64();
        if (meta.Position != metadataOffset + metadataLength) throw Bad("its metadata has the wrong length");

        return new ChunkIndexFile(path, handle, macKey, header.AsSpan(8, 16).ToArray(), chunkCount, packs, files, fences,
            new ChunkBloomFilter(words));
    }

    public static long PagesFor(long chunks) => (chunks + EntriesPerPage - 1) / EntriesPerPage;

    /// <summary>Reads every entry page once (1 MiB at a time), checking its MAC and that every entry names a pack of the table.</summary>
    private void CheckAllPages()
    {
        foreach (var (_, location) in Entries(invalid: why => new IndexCacheInvalidException(why)))
            if ((uint)location.Pack >= (uint)Packs.Count) throw new IndexCacheInvalidException("an entry names a pack outside its table");
    }

    public bool TryGet(ChunkId id, out ChunkLocation location)
    {
        location = default;
        if (_fences.Length == 0 || !_bloom.MayContain(id)) return false;
        var page = LastPageStartingAtOrBefore(id.A);
        if (page < 0) return false;
        Span<byte> bytes = stackalloc byte[PageSize];
        while (true)
        {
            ReadPage(page, bytes);
            int lo = 0, hi = EntriesIn(page) - 1;
            while (lo <= hi)
            {
                var mid = (lo + hi) >>> 1;
                var at = bytes.Slice(mid * EntrySize, EntrySize);
                var c = Compare(ChunkId.Read(at), id);
                if (c == 0)
                {
                    location = Location(at);
                    return true;
                }
                if (c < 0) lo = mid + 1;
                else hi = mid - 1;
            }
            // Ids sharing their first 8 bytes with the wanted one may begin on the page before (astronomically rare).
            if (page == 0 || _fences[page] != id.A) return false;
            page--;
        }
    }

    /// <summary>Every entry in id order (each id once), read 1 MiB at a time.</summary>
    public IEnumerable<KeyValuePair<ChunkId, ChunkLocation>> Entries() => Entries(invalid: null);

    private IEnumerable<KeyValuePair<ChunkId, ChunkLocation>> Entries(Func<string, Exception>? invalid)
    {
        const int PagesPerRead = 256;
        var buffer = new byte[PagesPerRead * PageSize];
        var pages = _fences.Length;
        for (long first = 0; first < pages; first += PagesPerRead)
        {
            var count = (int)Math.Min(PagesPerRead, pages - first);
            var span = buffer.AsMemory(0, count * PageSize);
            if (ReadAt(_handle, span.Span, PageSize * (1 + first)) != span.Length) throw Damaged($"page {first} is cut short", invalid);
            for (var p = 0; p < count; p++)
            {
                CheckPage(first + p, buffer.AsSpan(p * PageSize, PageSize), invalid);
                var n = EntriesIn(first + p);
                for (var i = 0; i < n; i++) yield return EntryAt(buffer, p * PageSize + i * EntrySize);
            }
        }
    }

    private int LastPageStartingAtOrBefore(ulong a)
    {
        int lo = 0, hi = _fences.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_fences[mid] <= a) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found;
    }

    private int EntriesIn(long page) => (int)Math.Min(EntriesPerPage, ChunkCount - page * EntriesPerPage);

    private void ReadPage(long page, Span<byte> bytes)
    {
        if (ReadAt(_handle, bytes, PageSize * (1 + page)) != PageSize) throw Damaged($"page {page} is cut short", null);
        CheckPage(page, bytes, null);
    }

    private void CheckPage(long page, ReadOnlySpan<byte> bytes, Func<string, Exception>? invalid)
    {
        Span<byte> mac = stackalloc byte[PageMacSize];
        PageMac(_macKey, _generation, page, bytes[..^PageMacSize], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, bytes[^PageMacSize..])) throw Damaged($"page {page} fails its MAC", invalid);
    }

    private Exception Damaged(string why, Func<string, Exception>? invalid) => invalid?.Invoke(why) ??
        new OffsiteException("IndexCacheCorrupt", OffsiteErrorCategory.InvalidData,
            $"The local index file '{Path}' was damaged while in use ({why}); it is not used again: the next run rebuilds it from the " +
            "repository.", Path);

    /// <summary>
    /// A page's MAC: keyed BLAKE3 (the index cache key) of the file's generation ‖ u64 page number ‖ the page's 4,080 entry
    /// bytes, first 16 bytes.
    /// </summary>
    public static void PageMac(byte[] macKey, ReadOnlySpan<byte> generation, long page, ReadOnlySpan<byte> body, Span<byte> mac)
    {
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(number, page);
        using var hasher = Blake3.Hasher.NewKeyed(macKey);
        hasher.Update(generation);
        hasher.Update(number);
        hasher.Update(body);
        hasher.Finalize(mac);
    }

    public static int Compare(ChunkId x, ChunkId y)
    {
        var c = x.A.CompareTo(y.A);
        if (c != 0) return c;
        c = x.B.CompareTo(y.B);
        if (c != 0) return c;
        c = x.C.CompareTo(y.C);
        return c != 0 ? c : x.D.CompareTo(y.D);
    }

    private static KeyValuePair<ChunkId, ChunkLocation> EntryAt(byte[] buffer, int offset)
    {
        var at = buffer.AsSpan(offset, EntrySize);
        return new(ChunkId.Read(at), Location(at));
    }

    private static ChunkLocation Location(ReadOnlySpan<byte> at) => new((int)BinaryPrimitives.ReadUInt32BigEndian(at[32..]),
        BinaryPrimitives.ReadUInt32BigEndian(at[36..]), BinaryPrimitives.ReadUInt32BigEndian(at[40..]),
        BinaryPrimitives.ReadUInt32BigEndian(at[44..]));

    private static int ReadAt(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = RandomAccess.Read(handle, buffer[total..], offset + total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>Reads a file front to back through a 64 KiB buffer with positioned reads (the handle stays shared).</summary>
    private sealed class Sequential(SafeFileHandle handle, long position)
    {
        private readonly byte[] _buffer = new byte[1 << 16];
        private int _at, _filled;
        private long _next = position;

        public long Position => _next - (_filled - _at);

        public void ReadExactly(Span<byte> into)
        {
            while (into.Length > 0)
            {
                if (_at == _filled)
                {
                    _filled = ReadAt(handle, _buffer, _next);
                    _next += _filled;
                    _at = 0;
                    if (_filled == 0) throw new IndexCacheInvalidException("it ends inside its metadata");
                }
                var n = Math.Min(into.Length, _filled - _at);
                _buffer.AsSpan(_at, n).CopyTo(into);
                _at += n;
                into = into[n..];
            }
        }

        public long ReadInt64()
        {
            Span<byte> b = stackalloc byte[8];
            ReadExactly(b);
            return BinaryPrimitives.ReadInt64BigEndian(b);
        }

        public ulong ReadUInt64() => (ulong)ReadInt64();

        public string ReadString()
        {
            Span<byte> n = stackalloc byte[2];
            ReadExactly(n);
            var bytes = new byte[BinaryPrimitives.ReadUInt16BigEndian(n)];
            ReadExactly(bytes);
            return Encoding.UTF8.GetString(bytes);
        }
    }
}
