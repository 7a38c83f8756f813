using OnedriveOffsite.Engine.Text;
using Xunit;

namespace OnedriveOffsite.Tests.Text;

public sealed class NameShortenerTests
{
    private const string Vzdump = "vzdump-qemu-101-2026_12_01-02_00_00.vma.zst";

    [Theory]
    [InlineData(36, "vzdump-q…2026_12_01-02_00_00.vma.zst")] // the start, then the date and all after it
    [InlineData(27, "vzd…2026_12_01-02_00_00…zst")]        // the start, the date with its time, the end
    [InlineData(16, "vz…2026_12_01…st")]                  // the start, the date, the end
    public void A_vzdump_name_keeps_its_date_as_room_shrinks(int max, string expected)
    {
        var s = NameShortener.Shorten(Vzdump, max);
        Assert.Equal(expected, s);
        Assert.True(s.Length <= max);
    }

    [Fact]
    public void Two_nights_of_the_same_vm_stay_apart_at_every_length_that_holds_a_date()
    {
        for (var max = 14; max < Vzdump.Length; max++)
        {
            var a = NameShortener.Shorten(Vzdump, max);
            var b = NameShortener.Shorten(Vzdump.Replace("2026_12_01", "2026_12_02"), max);
            Assert.NotEqual(a, b);
            Assert.True(a.Length <= max, a);
            Assert.StartsWith("v", a);
        }
    }

    [Fact]
    public void A_name_that_fits_is_unchanged()
    {
        Assert.Equal("db.sql.gz", NameShortener.Shorten("db.sql.gz", 10));
        Assert.Equal(Vzdump, NameShortener.Shorten(Vzdump, Vzdump.Length));
    }

    [Fact]
    public void A_name_without_a_date_is_cut_in_the_middle_keeping_both_ends()
    {
        var s = NameShortener.Shorten("postgres-cluster-main-full-dump.tar", 20);
        Assert.Equal("postgres-c…-dump.tar", s);
    }

    [Fact]
    public void When_what_follows_the_date_is_long_the_date_itself_is_kept_with_both_ends()
    {
        var s = NameShortener.Shorten("backup-20261201-with-a-very-long-description-after-it.bin", 30);
        Assert.True(s.Length <= 30, s);
        Assert.Equal("backup-20261201…-after-it.bin", s); // the start is short enough to keep whole
        Assert.StartsWith("backup", s);
        Assert.EndsWith(".bin", s);
    }

    [Fact]
    public void A_surrogate_pair_is_never_cut_in_half()
    {
        var name = new string('a', 9) + "😀" + new string('b', 20) + "😀" + new string('c', 9);
        for (var max = 5; max < name.Length; max++)
        {
            var s = NameShortener.Shorten(name, max);
            Assert.True(s.Length <= max);
            for (var i = 0; i < s.Length; i++)
            {
                if (char.IsHighSurrogate(s[i])) Assert.True(i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]), s);
                if (char.IsLowSurrogate(s[i])) Assert.True(i > 0 && char.IsHighSurrogate(s[i - 1]), s);
            }
        }
    }
}
