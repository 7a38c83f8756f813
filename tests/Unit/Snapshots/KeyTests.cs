using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.IO;
using Xunit;

namespace OnedriveOffsite.Tests.Snapshots;

public sealed class KeyTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "oo-key-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void The_text_form_round_trips_and_never_shows_in_ToString()
    {
        var key = MasterKey.Generate();
        var text = key.ToText();
        Assert.StartsWith("OOK1-", text);
        Assert.Equal(key.KeyId, MasterKey.Parse("  " + text + "\r\n").KeyId);
        Assert.DoesNotContain(text[5..], key.ToString());
        Assert.Matches("^[0-9a-f]{16}$", key.KeyId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("OOK1-")]
    [InlineData("OOK1-AAAA")]
    [InlineData("OOK2-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("OOK1-***")]
    public void Invalid_text_forms_are_refused(string text) =>
        Assert.Equal("KeyInvalid", Assert.Throws<OffsiteException>(() => MasterKey.Parse(text)).ErrorId);

    [UnixFact]
    public void A_new_key_file_has_mode_0600()
    {
        var saved = new KeyStore(new ConfigHome(_home)).Save(MasterKey.Generate(), force: false);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(saved.Path));
    }

    [Fact]
    public void A_new_key_file_is_owner_only_and_is_never_replaced_silently()
    {
        var store = new KeyStore(new ConfigHome(_home));
        var first = store.Save(MasterKey.Generate(), force: false);
        Assert.True(OwnerOnlyFile.IsOwnerOnly(first.Path));

        Assert.Equal("KeyExists", Assert.Throws<OffsiteException>(() => store.Save(MasterKey.Generate(), force: false)).ErrorId);
        Assert.Equal(first.KeyId, store.Load().KeyId);

        var second = store.Save(MasterKey.Generate(), force: true);
        Assert.NotNull(second.PreviousKeyPath);
        Assert.Equal(first.KeyId, MasterKey.Load(second.PreviousKeyPath!).KeyId);
        Assert.Equal(second.KeyId, store.Load().KeyId);
    }

    public void Dispose()
    {
        if (Directory.Exists(_home)) Directory.Delete(_home, true);
    }
}
