using OnedriveOffsite.Engine.Config;
using Xunit;

namespace OnedriveOffsite.Tests.Messages;

/// <summary>A pre-existing config home open to group/others is made owner-only (docs/DECISIONS.md "Config home permissions").</summary>
public sealed class ConfigHomePermissionsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "oo-home-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [UnixFact]
    public void A_home_with_mode_0755_is_tightened_to_0700_and_says_so()
    {
        Directory.CreateDirectory(_root);
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101); // 0755

        var outcome = ConfigHomePermissions.Secure(new ConfigHome(_root));

        Assert.NotNull(outcome);
        Assert.True(outcome.Tightened);
        Assert.Contains("mode 0755", outcome.Message);
        Assert.Contains("mode 0700", outcome.Message);
        Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(_root));
        Assert.Null(ConfigHomePermissions.Secure(new ConfigHome(_root))); // nothing left to do
    }

    [UnixFact]
    public void A_shared_looking_home_is_only_warned_about_never_changed()
    {
        Directory.CreateDirectory(_root);
        var tmpLike = (UnixFileMode)0b1_111_111_111; // 1777, like /tmp
        File.SetUnixFileMode(_root, tmpLike);

        var outcome = ConfigHomePermissions.Secure(new ConfigHome(_root));

        Assert.NotNull(outcome);
        Assert.False(outcome.Tightened);
        Assert.Contains("mode 01777", outcome.Message);
        Assert.Contains("not changed automatically", outcome.Message);
        Assert.Equal(tmpLike, File.GetUnixFileMode(_root));
    }

    [UnixFact]
    public void An_owner_only_or_missing_home_is_left_alone()
    {
        Assert.Null(ConfigHomePermissions.Secure(new ConfigHome(_root)));
        Assert.False(Directory.Exists(_root)); // never created by the check
        Directory.CreateDirectory(_root);
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_000_000);
        Assert.Null(ConfigHomePermissions.Secure(new ConfigHome(_root)));
    }
}
