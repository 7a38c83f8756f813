using OnedriveOffsite.Engine.Progress;
using Xunit;

namespace OnedriveOffsite.Tests.Progress;

public sealed class NameShortenerTests
{
    [Fact]
    public void A_vzdump_name_keeps_its_start_and_its_date_and_what_follows()
    {
        const string name = "vzdump-qemu-101-2026_12_01-02_00_00.vma.zst";
        var s = NameShortener.Shorten(name, 36);
        Assert.Equal("vzdump-q…2026_12_01-02_00_00.vma.zst", s);
        Assert.Equal(36, s.Length);
    }

    [Fact]
    public void Two_nights_of_the_same_vm_stay_apart_at_the_activity_length()
    {
        var a = NameShortener.Shorten("vzdump-qemu-10145-very-long-hostname-2026_12_01-02_00_00.vma.zst", NameShortener.FileNameLength);
        var b = NameShortener.Shorten("vzdump-qemu-10145-very-long-hostname-2026_12_02-02_00_00.vma.zst", NameShortener.FileNameLength);
        Assert.NotEqual(a, b);
        Assert.Contains("2026_12_01-02_00_00", a);
        Assert.True(a.Length <= NameShortener.FileNameLength);
        Assert.StartsWith("vzdump-", a);
    }

    [Fact]
    public void A_name_that_fits_is_unchanged()
    {
        Assert.Equal("db.sql.gz", NameShortener.Shorten("db.sql.gz", 10));
        Assert.Equal("pve-101", ProgressNames.Set("pve-101"));
    }

    [Fact]
    public void A_name_without_a_date_is_cut_in_the_middle_keeping_both_ends()
    {
        var s = NameShortener.Shorten("postgres-cluster-main-full-dump.tar", 20);
        Assert.Equal(20, s.Length);
        Assert.StartsWith("postgres-", s);
        Assert.EndsWith(".tar", s);
        Assert.Contains("…", s);
    }

    [Fact]
    public void When_what_follows_the_date_is_long_the_date_itself_is_kept()
    {
        var s = NameShortener.Shorten("backup-20261201-with-a-very-long-description-after-it.bin", 30);
        Assert.True(s.Length <= 30, s);
        Assert.Contains("20261201", s);
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
