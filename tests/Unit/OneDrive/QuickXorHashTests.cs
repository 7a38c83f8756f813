using System.Text;
using Xunit;
using Oracle = OnedriveOffsite.GraphEmulator.Hashing.ReferenceQuickXorHash;
using QuickXorHash = OnedriveOffsite.Engine.Hashing.QuickXorHash;

namespace OnedriveOffsite.Tests.OneDrive;

public sealed class QuickXorHashTests
{
    [Fact]
    public void MatchesTheDocumentedVectors()
    {
        Assert.Equal("aCgDG9jwBhDc4Q1yawMZAAAAAAA=", QuickXorHash.Compute(Encoding.ASCII.GetBytes("hello world")));
        Assert.Equal("AAAAAAAAAAAAAAAAAAAAAAAAAAA=", QuickXorHash.Compute([]));
    }

    [Fact]
    public void AgreesWithTheEmulatorsIndependentImplementationForAnySplit()
    {
        var data = new byte[1_000_003];
        new Random(7).NextBytes(data);
        foreach (var length in new[] { 1, 159, 160, 161, 319, 320, 4096, 100_001, data.Length })
        {
            var expected = Oracle.Compute(data.AsSpan(0, length));
            Assert.Equal(expected, QuickXorHash.Compute(data.AsSpan(0, length)));
            var split = new QuickXorHash();
            var rng = new Random(length);
            for (var at = 0; at < length;)
            {
                var n = Math.Min(length - at, rng.Next(1, 700));
                split.Append(data.AsSpan(at, n));
                at += n;
            }
            Assert.Equal(expected, split.GetBase64());
        }
    }

    [Fact]
    public void Hashes256MiBWellUnderHalfAMinute()
    {
        var data = new byte[64 << 20];
        new Random(1).NextBytes(data);
        var h = new QuickXorHash();
        h.Append(data); // warm-up
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 4; i++) h.Append(data);
        // About 0.2 s alone (over 1 GB/s); the bound is a wide margin for a loaded machine and catches only a
        // pathologically slow implementation. Throughput is a benchmark matter (bench/), not asserted here.
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"256 MiB took {sw.Elapsed}");
    }
}
