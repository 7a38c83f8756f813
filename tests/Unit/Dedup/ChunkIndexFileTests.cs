using System.Security.Cryptography;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Dedup;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Repositories;
using Xunit;

namespace OnedriveOffsite.Tests.Dedup;

/// <summary>
/// The set's index on disk (docs/FORMAT.md §9.12): built in bounded memory from entries in any order, it answers
/// exactly what an in-memory dictionary would (first location wins), merges, and refuses a damaged file.
/// </summary>
public sealed class ChunkIndexFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("oo-cif-").FullName;
    private readonly MasterKey _key = MasterKey.Generate();
    private readonly byte[] _identity = ChunkIndexFile.Identity("repo", "set1");
    private byte[] MacKey => V2Keys.IndexCacheKey(_key);

    private static ChunkId RandomId(Random r)
    {
        var b = new byte[32];
        r.NextBytes(b);
        return ChunkId.Read(b);
    }

    private static PackRecord Pack(int n) => new(Enumerable.Repeat((byte)n, 16).ToArray(), new byte[32], 1000 + n, new byte[32]);

    private ChunkIndexFile Write(string name, IReadOnlyList<PackRecord> packs, IEnumerable<KeyValuePair<ChunkId, ChunkLocation>> sorted, long max,
        IReadOnlyList<StoredFile>? files = null)
    {
        var path = Path.Combine(_dir, name);
        ChunkIndexFileWriter.Write(path, MacKey, _key.KeyIdBytes, _identity, packs, files ?? Array.Empty<StoredFile>(), max, sorted);
        return ChunkIndexFile.Open(path, MacKey, _key.KeyIdBytes, _identity);
    }

    [Theory]
    [InlineData(0, 1 << 18)]
    [InlineData(1, 1 << 18)]
    [InlineData(5000, 1 << 18)]  // sorted in memory
    [InlineData(5000, 64)]       // spilled to bucket files
    [InlineData(40000, 16)]      // buckets larger than memory: split again by the next byte
    public void Finds_every_entry_with_its_first_location_and_nothing_else(int count, int memoryEntries)
    {
        var r = new Random(count + memoryEntries);
        var packs = Enumerable.Range(0, 7).Select(Pack).ToList();
        var expected = new Dictionary<ChunkId, ChunkLocation>();
        using var collector = new SortedEntryCollector(packs, memoryEntries);
        var ids = new List<ChunkId>();
        for (var i = 0; i < count; i++)
        {
            // Every tenth entry repeats an earlier id with another location: the first one must win.
            var id = i % 10 == 9 ? ids[r.Next(ids.Count)] : RandomId(r);
            ids.Add(id);
            var location = new ChunkLocation(r.Next(packs.Count), (uint)r.Next(), (uint)r.Next(), (uint)r.Next());
            collector.AddChunk(id, location);
            expected.TryAdd(id, location);
        }
        Assert.Equal(memoryEntries < count, collector.Spilled);

        using var index = Write("a.ooic", collector.Packs, collector.Sorted(), collector.Count);

        Assert.Equal(expected.Count, index.ChunkCount);
        foreach (var (id, location) in expected)
        {
            Assert.True(index.TryGet(id, out var found));
            Assert.Equal(location, found);
        }
        for (var i = 0; i < 2000; i++) Assert.False(index.TryGet(RandomId(r), out _));
        var all = index.Entries().ToList();
        Assert.Equal(expected.OrderBy(e => e.Key, Comparer<ChunkId>.Create(ChunkIndexFile.Compare)).ToList(), all);
    }

    [Fact]
    public void Ids_sharing_their_first_eight_bytes_across_a_page_boundary_are_all_found()
    {
        // 200 ids with the same first word span three pages whose fences are equal.
        var r = new Random(3);
        var ids = Enumerable.Range(0, 200).Select(_ => RandomId(r) with { A = 42 }).Concat(Enumerable.Range(0, 100).Select(_ => RandomId(r))).ToList();
        var sorted = ids.Distinct().OrderBy(i => i, Comparer<ChunkId>.Create(ChunkIndexFile.Compare))
            .Select((id, n) => new KeyValuePair<ChunkId, ChunkLocation>(id, new ChunkLocation(0, (uint)n, 1, 1))).ToList();

        using var index = Write("same.ooic", new[] { Pack(0) }, sorted, sorted.Count);

        foreach (var (id, location) in sorted)
        {
            Assert.True(index.TryGet(id, out var found));
            Assert.Equal(location, found);
        }
        Assert.False(index.TryGet(RandomId(r) with { A = 42 }, out _));
    }

    [Fact]
    public void A_merge_keeps_the_older_location_of_an_id_and_adds_the_new_ids()
    {
        var r = new Random(5);
        var old = Enumerable.Range(0, 300).Select(n => new KeyValuePair<ChunkId, ChunkLocation>(RandomId(r), new ChunkLocation(0, (uint)n, 1, 1)))
            .OrderBy(e => e.Key, Comparer<ChunkId>.Create(ChunkIndexFile.Compare)).ToList();
        using var older = Write("old.ooic", new[] { Pack(0) }, old, old.Count);
        using var collector = new SortedEntryCollector(older.Packs);
        var p1 = collector.AddPack(Pack(1), why => new InvalidDataException(why));
        collector.AddChunk(old[10].Key, new ChunkLocation(p1, 999, 2, 2));
        var added = RandomId(r);
        collector.AddChunk(added, new ChunkLocation(p1, 7, 2, 2));

        using var merged = Write("merged.ooic", collector.Packs, SortedEntryCollector.Merge(older.Entries(), collector.Sorted()), old.Count + 2);

        Assert.Equal(301, merged.ChunkCount);
        Assert.True(merged.TryGet(old[10].Key, out var kept));
        Assert.Equal(old[10].Value, kept);
        Assert.True(merged.TryGet(added, out var location));
        Assert.Equal(new ChunkLocation(1, 7, 2, 2), location);
        Assert.Equal(2, merged.Packs.Count);
    }

    [Theory]
    [InlineData("header field", 70)]
    [InlineData("header MAC", 120)]
    [InlineData("an entry", 4096 + 100)]
    [InlineData("a page MAC", 2 * 4096 - 1)]
    [InlineData("the metadata", -1)]
    public void A_flipped_byte_is_refused_when_the_file_is_opened(string where, int offset)
    {
        Assert.NotNull(where);
        var path = WriteSample("flip.ooic");
        var bytes = File.ReadAllBytes(path);
        bytes[offset < 0 ? bytes.Length + offset : offset] ^= 0x10;
        File.WriteAllBytes(path, bytes);

        Assert.Throws<IndexCacheInvalidException>(() => ChunkIndexFile.Open(path, MacKey, _key.KeyIdBytes, _identity));
    }

    [Fact]
    public void A_truncated_or_extended_file_is_refused()
    {
        var path = WriteSample("cut.ooic");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^1]);
        Assert.Throws<IndexCacheInvalidException>(() => ChunkIndexFile.Open(path, MacKey, _key.KeyIdBytes, _identity));
        File.WriteAllBytes(path, bytes.Append((byte)0).ToArray());
        Assert.Throws<IndexCacheInvalidException>(() => ChunkIndexFile.Open(path, MacKey, _key.KeyIdBytes, _identity));
        File.WriteAllBytes(path, bytes[..100]);
        Assert.Throws<IndexCacheInvalidException>(() => ChunkIndexFile.Open(path, MacKey, _key.KeyIdBytes, _identity));
    }

    [Fact]
    public void A_file_of_another_key_repository_or_set_is_refused()
    {
        var path = WriteSample("other.ooic");
        var other = MasterKey.Generate();
        Assert.Throws<IndexCacheInvalidException>(() => ChunkIndexFile.Open(path, V2Keys.IndexCacheKey(other), other.KeyIdBytes, _identity));
        Assert.Throws<IndexCacheInvalidException>(() => ChunkIndexFile.Open(path, MacKey, _key.KeyIdBytes, ChunkIndexFile.Identity("repo", "set2")));
        Assert.Throws<IndexCacheInvalidException>(() => ChunkIndexFile.Open(path, MacKey, _key.KeyIdBytes, ChunkIndexFile.Identity("repo2", "set1")));
    }

    [Fact]
    public void A_page_damaged_after_opening_fails_the_lookup_with_IndexCacheCorrupt()
    {
        var path = WriteSample("late.ooic", out var ids);
        using var index = ChunkIndexFile.Open(path, MacKey, _key.KeyIdBytes, _identity);
        using (var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
        {
            f.Position = 4096 + 10;
            var b = f.ReadByte();
            f.Position = 4096 + 10;
            f.WriteByte((byte)(b ^ 1));
        }

        var error = Assert.Throws<OffsiteException>(() => ids.ForEach(id => index.TryGet(id, out _)));
        Assert.Equal("IndexCacheCorrupt", error.ErrorId);
    }

    [Fact]
    public void The_file_lists_the_index_files_it_was_built_from()
    {
        var files = new[] { new StoredFile("a.ooix", 10, null), new StoredFile("b.ooix", 20, new StoredChecksum("quickXorHash", "abc=")) };
        using var index = Write("files.ooic", new[] { Pack(0) }, Array.Empty<KeyValuePair<ChunkId, ChunkLocation>>(), 0, files);
        Assert.Equal(files, index.IndexFiles);
        Assert.Equal(0, index.ChunkCount);
        Assert.False(index.TryGet(new ChunkId(1, 2, 3, 4), out _));
    }

    [Fact]
    public void Unsorted_or_repeated_entries_are_refused_by_the_writer()
    {
        var e1 = new KeyValuePair<ChunkId, ChunkLocation>(new ChunkId(2, 0, 0, 0), new ChunkLocation(0, 0, 1, 1));
        var e0 = new KeyValuePair<ChunkId, ChunkLocation>(new ChunkId(1, 0, 0, 0), new ChunkLocation(0, 0, 1, 1));
        Assert.Throws<InvalidOperationException>(() => Write("unsorted.ooic", new[] { Pack(0) }, new[] { e1, e0 }, 2));
        Assert.Throws<InvalidOperationException>(() => Write("twice.ooic", new[] { Pack(0) }, new[] { e1, e1 }, 2));
    }

    private string WriteSample(string name) => WriteSample(name, out _);

    private string WriteSample(string name, out List<ChunkId> ids)
    {
        var r = new Random(11);
        var sorted = Enumerable.Range(0, 500).Select(n => new KeyValuePair<ChunkId, ChunkLocation>(RandomId(r), new ChunkLocation(0, (uint)n, 1, 1)))
            .OrderBy(e => e.Key, Comparer<ChunkId>.Create(ChunkIndexFile.Compare)).ToList();
        ids = sorted.Select(e => e.Key).ToList();
        using (Write(name, new[] { Pack(0) }, sorted, sorted.Count, new[] { new StoredFile("x.ooix", 1, null) })) { }
        return Path.Combine(_dir, name);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
