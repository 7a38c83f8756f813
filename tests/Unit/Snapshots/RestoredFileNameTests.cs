using OnedriveOffsite.Engine.Restore;
using Xunit;

namespace OnedriveOffsite.Tests.Snapshots;

/// <summary>The restored file name rule, for both OSes, on every OS (restore applies the Windows half only on Windows).</summary>
public sealed class RestoredFileNameTests
{
    [Theory]
    [InlineData("vzdump-qemu-101-2026_11_26-01_00_00.vma.zst", "vzdump-qemu-101-2026_11_26-01_00_00.vma.zst")]
    [InlineData("db:2026-11-26.sql", "db_2026-11-26.sql")]
    [InlineData("C:evil.txt", "C_evil.txt")]
    [InlineData("a<b>c\"d|e?f*g.bin", "a_b_c_d_e_f_g.bin")]
    [InlineData("tab\there.txt", "tab_here.txt")]
    [InlineData("CON", "CON_")]
    [InlineData("con.txt", "con_.txt")]
    [InlineData("NUL.tar.gz", "NUL_.tar.gz")]
    [InlineData("COM1.log", "COM1_.log")]
    [InlineData("lpt9", "lpt9_")]
    [InlineData("COM¹.txt", "COM¹_.txt")]
    [InlineData("CONIN$", "CONIN$_")]
    [InlineData("CON .txt", "CON _.txt")]
    [InlineData("CONSOLE.txt", "CONSOLE.txt")]
    [InlineData("COM10.txt", "COM10.txt")]
    [InlineData("backup.", "backup_")]
    [InlineData("backup. .", "backup___")]
    [InlineData("trailing space ", "trailing space_")]
    [InlineData("dir\\sub/CON.txt", "CON_.txt")]
    [InlineData("..", "restored.bin")]
    [InlineData("dir/", "restored.bin")]
    [InlineData("", "restored.bin")]
    public void On_Windows_a_name_Windows_cannot_hold_gets_the_documented_safe_rename(string stored, string expected) =>
        Assert.Equal(expected, RestoredFileName.For(stored, windows: true));

    [Theory]
    [InlineData("db:2026-11-26.sql", "db:2026-11-26.sql")]
    [InlineData("CON", "CON")]
    [InlineData("backup.", "backup.")]
    [InlineData("dir\\sub/file.bin", "file.bin")]
    [InlineData("..", "restored.bin")]
    [InlineData("   ", "restored.bin")]
    public void Elsewhere_only_the_last_path_segment_is_kept(string stored, string expected) =>
        Assert.Equal(expected, RestoredFileName.For(stored, windows: false));

    [Fact]
    public void Every_renamed_Windows_name_is_stable_under_the_rule() =>
        Assert.All(new[] { "CON", "a:b", "x. ", "LPT1.txt" }, name =>
        {
            var once = RestoredFileName.For(name, windows: true);
            Assert.Equal(once, RestoredFileName.For(once, windows: true));
        });
}
