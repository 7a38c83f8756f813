using Xunit;
using System.Text;
using OnedriveOffsite.GraphEmulator.Hashing;

namespace OnedriveOffsite.Tests.GraphEmulator;

public class QuickXorHashTests
{
    [Theory]
    [InlineData("", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("hello world", "aCgDG9jwBhDc4Q1yawMZAAAAAAA=")]
    public void MatchesTheDocumentedVectors(string text, string expected) =>
        Assert.Equal(expected, ReferenceQuickXorHash.Compute(Encoding.ASCII.GetBytes(text)));

    // Published vectors (input and digest in base64) from rclone's OneDrive backend tests: inputs of 111 and
    // 333 bytes wrap the 160-bit register several times.
    [Theory]
    [InlineData("jyibxJSzO6ZiZ0O1qe3tG/bvIAYssvukh9suIT5wEy1JBINVgPiqdsTW0cOpP0aUfP7mgqLfADkzI/m/GgCuVhr8oFLrOCoTx1/psBOWwhltCbhUx51Icm9aH8tY4Z3ccU+6BKpYQkLCy0B/A9Zc",
        "hZfLIilSITC6N3e3tQ/iSgEzkto=")]
    [InlineData("w0LGhqU1WXFbdavqDE4kAjEzWLGGzmTNikzqnsiXHx2KRReKVTxkv27u3UcEz9+lbMvYl4xFf2Z4aE1xRBBNd1Ke5C0zToSaYw5o4B/7X99nKK2/XaUX1byLow2aju2XJl2OpKpJg+tSJ2fmjIJTkfuYUz574dFX6/VXxSxwGH/xQEAKS5TCsBK3CwnuG1p5SAsQq3gGVozDWyjEBcWDMdy8/AIFrj/y03Lfc/RNRCQTAfZbnf2QwV7sluw4fH3XJr07UoD0YqN+7XZzidtrwqMY26fpLZnyZjnBEt1FAZWO7RnKG5asg8xRk9YaDdedXdQSJAOy6bWEWlABj+tVAigBxavaluUH8LOj+yfCFldJjNLdi90fVHkUD/m4Mr5OtmupNMXPwuG3EQlqWUVpQoYpUYKLsk7a5Mvg6UFkiH596y5IbJEVCI1Kb3D1",
        "e3+wo77iKcILiZegnzyUNcjCdoQ=")]
    public void MatchesPublishedVectorsLongerThanTheRegister(string inputBase64, string expected) =>
        Assert.Equal(expected, ReferenceQuickXorHash.Compute(Convert.FromBase64String(inputBase64)));

    [Fact]
    public void ChunkedAppendsEqualTheBitByBitDefinition()
    {
        var random = new Random(7);
        foreach (var length in new[] { 1, 159, 160, 161, 319, 1000, 5003, 100_000 })
        {
            var data = new byte[length];
            random.NextBytes(data);
            var expected = Convert.ToBase64String(Definition(data));

            Assert.Equal(expected, ReferenceQuickXorHash.Compute(data));
            var chunked = new ReferenceQuickXorHash();
            for (int offset = 0; offset < length;)
            {
                int n = Math.Min(random.Next(1, 700), length - offset);
                chunked.Append(data.AsSpan(offset, n));
                offset += n;
            }
            Assert.Equal(expected, chunked.GetBase64());
        }
    }

    [Fact]
    public void CloneContinuesIndependently()
    {
        var data = EmulatorTestClient.RandomBytes(1234);
        var h = new ReferenceQuickXorHash();
        h.Append(data.AsSpan(0, 500));
        var copy = h.Clone();
        h.Append(data.AsSpan(500));
        Assert.Equal(ReferenceQuickXorHash.Compute(data.AsSpan(0, 500)), copy.GetBase64());
        Assert.Equal(ReferenceQuickXorHash.Compute(data), h.GetBase64());
    }

    /// <summary>The algorithm exactly as specified, one bit at a time: byte p lands at bit (11 p) mod 160.</summary>
    private static byte[] Definition(byte[] data)
    {
        var bits = new bool[160];
        for (long p = 0; p < data.Length; p++)
            for (int b = 0; b < 8; b++)
                if (((data[p] >> b) & 1) != 0) bits[(int)((p * 11 + b) % 160)] ^= true;
        var result = new byte[20];
        for (int i = 0; i < 160; i++) if (bits[i]) result[i / 8] |= (byte)(1 << (i % 8));
        var length = BitConverter.GetBytes((long)data.Length);
        for (int i = 0; i < 8; i++) result[12 + i] ^= length[i];
        return result;
    }
}
