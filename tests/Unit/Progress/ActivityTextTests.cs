using OnedriveOffsite.Engine.Progress;
using Xunit;

namespace OnedriveOffsite.Tests.Progress;

/// <summary>Activity lines fitted to the room PowerShell's minimal progress view gives them (half the window).</summary>
public sealed class ActivityTextTests
{
    private const string Vzdump = "vzdump-qemu-10145-with-a-long-hostname-2026_12_01-02_00_00.vma.zst";

    [Fact]
    public void A_line_that_fits_is_whole()
    {
        Assert.Equal("Backing up db.sql.gz to pg", ActivityText.Backup("db.sql.gz", "pg").Fit(40));
        Assert.Equal("Restoring s.bin from t into a command", ActivityText.Restore("s.bin", "t", " into a command").Fit(60));
    }

    [Fact]
    public void At_the_default_width_the_verb_the_date_and_the_set_are_kept()
    {
        var line = ActivityText.Backup(Vzdump, "pve-10145").ToString();
        Assert.Equal("Backing up vzdump-q…2026_12_01-02_00_00.vma.zst to pve-10145", line);
        Assert.True(line.Length <= ActivityText.DefaultLength);
    }

    [Fact]
    public void In_an_80_column_window_the_date_and_the_set_still_fit_in_40_characters()
    {
        var line = ActivityText.Backup(Vzdump, "pve-10145").Fit(40);
        Assert.Equal("vzd…2026_12_01-02_00_00…zst to pve-10145", line);
        var restore = ActivityText.Restore(Vzdump, "pve-10145").Fit(40);
        Assert.True(restore.Length <= 40, restore);
        Assert.Contains("2026_12_01", restore);
        Assert.EndsWith(" from pve-10145", restore);
    }

    [Fact]
    public void A_long_set_name_is_shortened_too_and_a_suffix_goes_first()
    {
        var line = ActivityText.Restore("db-2026-12-01.sql.gz", "production-postgres-cluster-eu-west", " into pg_restore --clean").Fit(50);
        Assert.True(line.Length <= 50, line);
        Assert.DoesNotContain("pg_restore", line);
        Assert.Contains("2026-12-01", line);
        Assert.Matches("from produ.*…", line);
    }
}
