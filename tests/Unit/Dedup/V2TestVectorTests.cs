using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Engine.Repositories.Local;
using System.Security.Cryptography;
using System.Text;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Dedup;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using Xunit;

namespace OnedriveOffsite.Tests.Dedup;

/// <summary>
/// The committed format v2 vectors (tests/data/vectors/v2, docs/FORMAT.md §9.11): rebuilt from fixed key, ids and
/// salts and compared byte for byte, and restored through the ordinary v2 restore path.
/// Set ONEDRIVE_OFFSITE_WRITE_VECTORS=1 to (re)write them after a deliberate format change.
/// </summary>
public sealed class V2TestVectorTests
{
    private static readonly string Dir = TestPaths.Data("vectors", "v2");
    private const string Set = "vectors";
    private const string Snapshot = "20260101T000000000Z-a0a1a2a3";
    private const int Average = 1024;

    private static MasterKey Key => MasterKey.FromBytes(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
    private static byte[] Fill(int start, int count = 16) => Enumerable.Range(start, count).Select(i => (byte)i).ToArray();
    private static byte[] Salt(byte fill) => Enumerable.Repeat(fill, 32).ToArray();
    private static string Hex(byte[] b) => Convert.ToHexString(b).ToLowerInvariant();

    /// <summary>10,000 bytes: text (compressible, a 4,000-byte run twice that dedups) then pseudo-random bytes.</summary>
    private static byte[] Source()
    {
        var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 120).Select(i => $"line {i:D3}: OnedriveOffsite format 2 vector\n")));
        var run = text[..4000];
        var random = new byte[2000];
        new Random(2026).NextBytes(random);
        return [.. run, .. run, .. random];
    }

    private static Dictionary<string, byte[]> Build()
    {
        var key = Key;
        var source = Source();
        var chunker = new GearChunker(V2Keys.GearTable(key), Average);
        var idKey = V2Keys.ChunkIdKey(key);
        var snapshotId = Fill(0xA0);
        using var pack = new PackBuilder(key, 1 << 20, chunker.Max, Fill(0xB0), Salt(0x01));
        using var compressor = new SegmentCompressor();
        var entries = new List<IndexEntry>();
        var listBytes = new MemoryStream();
        long chunks;
        using (var list = new ChunkListWriter(listBytes, key, snapshotId, Salt(0x03)))
        {
            for (var at = 0; at < source.Length;)
            {
                var cut = chunker.Cut(source.AsSpan(at));
                var chunk = source.AsSpan(at, cut);
                var id = ChunkId.Compute(idKey, chunk);
                list.Add(id, (uint)cut);
                if (!entries.Any(e => e.Id == id))
                {
                    var compressed = new byte[cut];
                    var n = compressor.TryCompress(chunk, compressed);
                    var (offset, stored) = n >= 0 ? pack.Add(id, 1, compressed.AsSpan(0, n)) : pack.Add(id, 0, chunk);
                    entries.Add(new IndexEntry(id, 0, offset, stored, (uint)cut));
                }
                at += cut;
            }
            list.Finish();
            chunks = list.Chunks;
        }
        var files = new Dictionary<string, byte[]>
        {
            [$"packs/{V2Layout.PackName(pack.PackId)}"] = pack.Bytes.ToArray(),
            [$"index/{V2Layout.IndexName(Fill(0xC0))}"] = IndexFileCodec.EncodeAsync(key, Fill(0xC0), Salt(0x02), Set, new[] { pack.Describe() }, entries).GetAwaiter().GetResult(),
            [$"{Snapshot}/{V2Layout.ChunkListName}"] = listBytes.ToArray(),
        };
        var manifest = new V2Manifest
        {
            SnapshotId = Hex(snapshotId), Set = Set, Snapshot = Snapshot,
            CreatedUtc = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            CompletedUtc = new DateTime(2026, 1, 1, 0, 0, 1, DateTimeKind.Utc),
            Source = new SnapshotManifest.SourceInfo
            {
                Name = "vector.bin", Path = "/vectors/vector.bin", Length = source.Length,
                LastWriteTimeUtc = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), Sha256 = Hex(SHA256.HashData(source)),
            },
            Chunking = new V2Manifest.ChunkingInfo { Min = chunker.Min, Average = chunker.Average, Max = chunker.Max },
            ChunkList = new V2Manifest.ChunkListInfo { Salt = Hex(Salt(0x03)), StoredLength = listBytes.Length, Chunks = chunks },
            Compression = "Zstd",
            Added = new V2Manifest.AddedInfo { Chunks = entries.Count, PlainBytes = entries.Sum(e => e.PlainLength), Packs = 1, StoredBytes = pack.Length, IndexFile = V2Layout.IndexName(Fill(0xC0)) },
            Tool = "OnedriveOffsite/vector", Host = "vector-host",
        };
        files[$"{Snapshot}/{SnapshotFiles.ManifestName}"] = V2ManifestCodec.Encode(manifest, key, snapshotId, Salt(0xEE));
        return files;
    }

    private static string SetDir => Path.Combine(Dir, "repo", Set);

    [Fact]
    public void The_committed_v2_vectors_match_what_this_build_writes()
    {
        var built = Build();
        if (Environment.GetEnvironmentVariable("ONEDRIVE_OFFSITE_WRITE_VECTORS") == "1")
        {
            foreach (var (name, bytes) in built)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(SetDir, name))!);
                File.WriteAllBytes(Path.Combine(SetDir, name), bytes);
            }
            File.WriteAllBytes(Path.Combine(Dir, "source.bin"), Source());
            File.WriteAllText(Path.Combine(Dir, "key.txt"), Key.ToText() + "\n");
            File.WriteAllLines(Path.Combine(Dir, "SHA256SUMS"), built.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => $"{Hex(SHA256.HashData(kv.Value))}  repo/{Set}/{kv.Key}")
                .Append($"{Hex(SHA256.HashData(Source()))}  source.bin"));
        }
        Assert.Equal(4, built.Count);
        foreach (var (name, bytes) in built)
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(SetDir, name))), $"{name} differs from the committed vector");
        Assert.Equal(Source(), File.ReadAllBytes(Path.Combine(Dir, "source.bin")));
    }

    [Fact]
    public async Task The_committed_v2_vectors_restore_to_the_source_and_dedup_the_repeated_run()
    {
        var outDir = Path.Combine(Path.GetTempPath(), "oo-vec2-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(outDir);
        try
        {
            var repo = new LocalRepository(Path.Combine(Dir, "repo"));
            var key = MasterKey.Load(Path.Combine(Dir, "key.txt"));
            var restore = new DedupRestoreOperation(repo, key);
            var manifest = await restore.ReadManifestAsync(new SnapshotLocation(Set, Snapshot), default);
            Assert.True(manifest.Added.Chunks < manifest.ChunkList.Chunks, "the repeated 4,000-byte run is stored once");
            var result = await restore.RunAsync(new SnapshotLocation(Set, Snapshot), outDir, false, 2, NullObserver.Instance, default);
            Assert.Equal(File.ReadAllBytes(Path.Combine(Dir, "source.bin")), File.ReadAllBytes(result.Path));
        }
        finally { Directory.Delete(outDir, true); }
    }
}
