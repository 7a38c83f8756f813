using System.Security.Cryptography;
using System.Text;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories.Local;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Restore;
using Xunit;

namespace OnedriveOffsite.Tests.Snapshots;

/// <summary>
/// The committed test vectors of docs/FORMAT.md (tests/data/vectors/v1): rebuilt here from their fixed key, ids and
/// salts and compared byte for byte (any format drift fails), and restored through the ordinary restore path.
/// Set ONEDRIVE_OFFSITE_WRITE_VECTORS=1 to (re)write them after a deliberate format change: that run writes them and
/// FAILS (a run that rewrote its own expectations proved nothing); commit them and run again without the variable.
/// </summary>
public sealed class TestVectorTests
{
    private static readonly string Dir = TestPaths.Data("vectors", "v1");
    private const string Set = "vectors";
    private const string Snapshot = "20260101T000000000Z-a0a1a2a3";
    private const int PartSize = 64;
    private const int SegmentSize = 32;

    internal static MasterKey Key => MasterKey.FromBytes(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
    private static byte[] SnapshotId => Enumerable.Range(0xA0, 16).Select(i => (byte)i).ToArray();
    private static byte[] Source => Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("OnedriveOffsite!", 6)) + "vector");
    private static byte[] Salt(byte fill) => Enumerable.Repeat(fill, 32).ToArray();

    private static Dictionary<string, byte[]> Build()
    {
        var source = Source;
        var files = new Dictionary<string, byte[]>();
        var entries = new List<SnapshotManifest.PartEntry>();
        var codecs = new[] { PartCompression.Zstd, PartCompression.Stored };
        for (var index = 0; index * PartSize < source.Length; index++)
        {
            var offset = index * PartSize;
            var length = Math.Min(PartSize, source.Length - offset);
            var header = new PartHeader(SnapshotId, Key.KeyIdBytes, index, offset, length, codecs[index], SegmentSize, Salt((byte)(index + 1)));
            using var compressor = new SegmentCompressor();
            using var encoder = new PartEncoder(Key, header, compressor);
            using var part = new MemoryStream();
            part.Write(encoder.HeaderBytes);
            var records = PartLayout.RecordCount(length, SegmentSize);
            var buffer = new byte[PartEncoder.MaxEncodedLength(SegmentSize)];
            for (long r = 0; r < records; r++)
            {
                var segment = source.AsSpan(offset + (int)r * SegmentSize, PartLayout.RecordPlainLength(length, SegmentSize, r));
                part.Write(buffer, 0, encoder.Encode(r, r == records - 1, segment, buffer));
            }
            var name = SnapshotFiles.PartName(index);
            files[name] = part.ToArray();
            entries.Add(new SnapshotManifest.PartEntry
            {
                Index = index, File = name, Offset = offset, Length = length, Codec = codecs[index],
                Salt = Convert.ToHexString(header.Salt).ToLowerInvariant(),
                PlainSha256 = Hex(SHA256.HashData(source.AsSpan(offset, length))),
                StoredLength = files[name].Length,
            });
        }
        var manifest = new SnapshotManifest
        {
            SnapshotId = Hex(SnapshotId), Set = Set,
            CreatedUtc = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            CompletedUtc = new DateTime(2026, 1, 1, 0, 0, 1, DateTimeKind.Utc),
            Source = new SnapshotManifest.SourceInfo
            {
                Name = "vector.txt", Path = "/vectors/vector.txt", Length = source.Length,
                LastWriteTimeUtc = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), Sha256 = Hex(SHA256.HashData(source)),
            },
            PartSize = PartSize, SegmentSize = SegmentSize, Compression = "Zstd", Parts = entries,
            Tool = "OnedriveOffsite/vector", Host = "vector-host",
        };
        files[SnapshotFiles.ManifestName] = ManifestCodec.Encode(manifest, Key, SnapshotId, Salt(0xEE));
        return files;
    }

    private static string Hex(byte[] b) => Convert.ToHexString(b).ToLowerInvariant();

    private static string SnapshotDir => Path.Combine(Dir, "repo", Set, Snapshot);

    [Fact]
    public void The_committed_vectors_match_what_this_build_writes()
    {
        var built = Build();
        if (Environment.GetEnvironmentVariable("ONEDRIVE_OFFSITE_WRITE_VECTORS") == "1")
        {
            Directory.CreateDirectory(SnapshotDir);
            foreach (var (name, bytes) in built) File.WriteAllBytes(Path.Combine(SnapshotDir, name), bytes);
            File.WriteAllBytes(Path.Combine(Dir, "source.txt"), Source);
            File.WriteAllText(Path.Combine(Dir, "key.txt"), Key.ToText() + "\n");
            File.WriteAllLines(Path.Combine(Dir, "SHA256SUMS"), built.OrderBy(kv => kv.Key)
                .Select(kv => $"{Hex(SHA256.HashData(kv.Value))}  repo/{Set}/{Snapshot}/{kv.Key}")
                .Append($"{Hex(SHA256.HashData(Source))}  source.txt"));
            Assert.Fail($"ONEDRIVE_OFFSITE_WRITE_VECTORS=1: the vectors were rewritten in {Dir}, so nothing was compared. Review and commit them, then run again without the variable.");
        }
        Assert.Equal(3, built.Count);
        foreach (var (name, bytes) in built)
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(SnapshotDir, name))), $"{name} differs from the committed vector");
        Assert.Equal(Key.KeyId, MasterKey.Load(Path.Combine(Dir, "key.txt")).KeyId);
    }

    [Fact]
    public async Task The_committed_vectors_restore_to_the_source()
    {
        var outDir = Path.Combine(Path.GetTempPath(), "oo-vec-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(outDir);
        try
        {
            var repo = new LocalRepository(Path.Combine(Dir, "repo"));
            var result = await new RestoreOperation(repo, MasterKey.Load(Path.Combine(Dir, "key.txt")))
                .RunAsync(new SnapshotLocation(Set, Snapshot), outDir, false, 2, NullObserver.Instance, default);
            Assert.Equal(File.ReadAllBytes(Path.Combine(Dir, "source.txt")), File.ReadAllBytes(result.Path));
            Assert.Equal("vector.txt", Path.GetFileName(result.Path));
        }
        finally { Directory.Delete(outDir, true); }
    }
}
