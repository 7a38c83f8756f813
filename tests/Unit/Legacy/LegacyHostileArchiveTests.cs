using System.IO.Compression;
using System.Text;
using OnedriveOffsite.Engine.Legacy;
using Xunit;
using Xunit.Abstractions;

namespace OnedriveOffsite.Tests.Legacy;

/// <summary>
/// Hostile legacy archives stay cheap: a ~1 MB .tar.gz whose tar headers announce a huge GNU long name ('L'),
/// long link ('K') or PAX extended header ('x'/'g') — which the tar reader would expand into one string — is refused
/// before anything is expanded, and a member of the largest size a token can have costs one token buffer, not more.
/// Measured as bytes allocated by the whole process during the restore (GC.GetTotalAllocatedBytes, precise),
/// in the collection that runs alone so no other test's allocations count.
/// </summary>
[Collection(nameof(ProcessMemoryCollection))]
public sealed class LegacyHostileArchiveTests(ITestOutputHelper output) : IDisposable
{
    private const long MiB = 1 << 20;
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>'L' and 'x' are the headers SharpZipLib expands (1 GiB of data in a ~1 MB archive); it skips 'K' and
    /// 'g', so for those a smaller announced size keeps the test quick while still being over the limit.</summary>
    [Theory]
    [InlineData('L', 1L << 30)]
    [InlineData('x', 1L << 30)]
    [InlineData('K', 1L << 20)]
    [InlineData('g', 1L << 20)]
    public async Task Archive_with_a_huge_extended_header_is_refused_allocating_under_64_MiB(char type, long headerSize)
    {
        var folder = _temp.Sub("backup");
        Directory.CreateDirectory(folder);
        var archive = Path.Combine(folder, "0001_offsite_backup.tar.gz");
        // 1 GiB of one repeated byte deflates to ~1 MB: the header's data, then a harmless member after it.
        var payload = type is 'x' or 'g' ? PaxRecordPrefix : null;
        WriteArchive(archive, (type, headerSize, payload), ("1_backup.crypt", 64));
        var size = new FileInfo(archive).Length;
        if (headerSize == 1L << 30) Assert.InRange(size, 512 * 1024, 1536 * 1024);

        var (e, allocated) = await RestoreMeasured(folder);

        output.WriteLine($"'{type}' header: archive {size / 1024} KiB, allocated {allocated / MiB} MiB, error {e?.ErrorId}: {e?.Message}");
        Assert.NotNull(e);
        Assert.Equal("LegacyUnsafeMemberName", e.ErrorId);
        Assert.True(allocated < 64 * MiB, $"the restore allocated {allocated / MiB} MiB");
        Assert.False(File.Exists(_temp.Sub("restored.bin")));
    }

    [Fact]
    public async Task Member_larger_than_any_token_is_refused_before_its_buffer_is_allocated()
    {
        var folder = _temp.Sub("backup");
        Directory.CreateDirectory(folder);
        // 40,000,100 characters is the token of a full 30,000,000-byte chunk, the largest the old service wrote.
        WriteArchive(Path.Combine(folder, "0001_offsite_backup.tar.gz"), ("1_backup.crypt", 40_000_104));

        var (e, allocated) = await RestoreMeasured(folder);

        output.WriteLine($"allocated {allocated / MiB} MiB, error {e?.ErrorId}: {e?.Message}");
        Assert.NotNull(e);
        Assert.Equal("LegacyTokenCorrupt", e.ErrorId);
        Assert.True(allocated < 16 * MiB, $"the restore allocated {allocated / MiB} MiB");
    }

    [Fact]
    public async Task Member_of_the_largest_token_size_costs_one_token_buffer_under_64_MiB()
    {
        var folder = _temp.Sub("backup");
        Directory.CreateDirectory(folder);
        WriteArchive(Path.Combine(folder, "0001_offsite_backup.tar.gz"), ("1_backup.crypt", 40_000_100));

        var (e, allocated) = await RestoreMeasured(folder);

        output.WriteLine($"allocated {allocated / MiB} MiB, error {e?.ErrorId}: {e?.Message}");
        Assert.NotNull(e);
        Assert.Equal("LegacyTokenCorrupt", e.ErrorId);   // 'A'*n is base64 of zeros: version byte 0x00
        Assert.True(allocated < 64 * MiB, $"the restore allocated {allocated / MiB} MiB");
    }

    private async Task<(Engine.Errors.OffsiteException? Error, long Allocated)> RestoreMeasured(string folder)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        Engine.Errors.OffsiteException? error = null;
        try
        {
            await LegacyTestData.Restore(folder, LegacyKey.Parse(LegacyArchiveWriter.NewKeyText()), _temp.Sub("restored.bin"));
        }
        catch (Engine.Errors.OffsiteException e)
        {
            error = e;
        }
        return (error, GC.GetTotalAllocatedBytes(precise: true) - before);
    }

    /// <summary>A PAX record "length path=" whose value is the rest of the data (the length field is a lie; readers still expand it).</summary>
    private static readonly byte[] PaxRecordPrefix = Encoding.ASCII.GetBytes("1073741824 path=");

    /// <summary>
    /// Writes a gzip'd tar by hand: the first entry is an extended header of <c>type</c> with <c>size</c> bytes
    /// (its payload prefix, then 'a' repeated), or members named as given, filled with 'A'. Then the end blocks.
    /// </summary>
    private static void WriteArchive(string path, params object[] entries)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.SmallestSize);
        var chunk = new byte[1 << 20];
        foreach (var entry in entries)
        {
            var (type, size, prefix, name, fill) = entry switch
            {
                ValueTuple<char, long, byte[]?> h => (h.Item1, h.Item2, h.Item3, "././@LongLink", (byte)'a'),
                ValueTuple<string, int> m => ('0', (long)m.Item2, (byte[]?)null, m.Item1, (byte)'A'),
                _ => throw new ArgumentException("entry"),
            };
            gzip.Write(Header(name, type, size));
            Array.Fill(chunk, fill);
            var left = size;
            if (prefix is not null)
            {
                gzip.Write(prefix);
                left -= prefix.Length;
            }
            while (left > 0)
            {
                var n = (int)Math.Min(chunk.Length, left);
                gzip.Write(chunk, 0, n);
                left -= n;
            }
            gzip.Write(new byte[(512 - size % 512) % 512]);
        }
        gzip.Write(new byte[1024]);
    }

    /// <summary>A ustar header block with a valid checksum.</summary>
    private static byte[] Header(string name, char type, long size)
    {
        var h = new byte[512];
        Encoding.ASCII.GetBytes(name).CopyTo(h, 0);
        Encoding.ASCII.GetBytes("0000644\0").CopyTo(h, 100);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 108);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 116);
        Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0").CopyTo(h, 124);
        Encoding.ASCII.GetBytes("14712345670\0").CopyTo(h, 136);
        h[156] = (byte)type;
        Encoding.ASCII.GetBytes("ustar\0" + "00").CopyTo(h, 257);
        for (var i = 148; i < 156; i++) h[i] = (byte)' ';
        var sum = h.Sum(b => (int)b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(h, 148);
        return h;
    }
}
