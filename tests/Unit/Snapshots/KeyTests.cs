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
        Assert.StartsWith("OOK2-", text);
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
    public void An_OOK1_key_without_checksum_is_still_read_with_the_same_key_id()
    {
        // tests/data/vectors/v1/key.txt: the bytes 00..1f in the first text form.
        var old = MasterKey.Parse("OOK1-AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
        var again = MasterKey.Parse(old.ToText());
        Assert.Equal(old.KeyId, again.KeyId);
        Assert.StartsWith("OOK2-", old.ToText());
        Assert.Equal(MasterKey.FromBytes(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()).KeyId, old.KeyId);
    }

    [Fact]
    public void Every_single_character_typo_in_an_OOK2_copy_is_refused_and_never_imports_another_key()
    {
        var key = MasterKey.Generate();
        var text = key.ToText();
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var rng = new Random(1234);
        for (var position = 5; position < text.Length; position++)
        {
            var typo = alphabet[rng.Next(alphabet.Length)];
            if (typo == text[position]) continue;
            var mistyped = text[..position] + typo + text[(position + 1)..];
            var ex = Assert.Throws<OffsiteException>(() => MasterKey.Parse(mistyped));
            Assert.Contains(ex.ErrorId, new[] { "KeyChecksumMismatch", "KeyInvalid" });
            Assert.DoesNotContain(mistyped[5..], ex.Message);
        }
        // A typo in the middle always decodes to 36 bytes, so it is the checksum that catches it.
        var middle = text[..20] + (text[20] == 'Q' ? 'R' : 'Q') + text[21..];
        var mismatch = Assert.Throws<OffsiteException>(() => MasterKey.Parse(middle));
        Assert.Equal("KeyChecksumMismatch", mismatch.ErrorId);
        Assert.Equal(OffsiteErrorCategory.InvalidData, mismatch.Category);
        Assert.Contains("mistyped", mismatch.Message);
    }

    [Fact]
    public void An_OOK2_copy_typed_in_groups_over_two_lines_is_read()
    {
        var key = MasterKey.Generate();
        var body = key.ToText()[5..];
        var grouped = "OOK2-" + string.Join(' ', body.Chunk(8).Select(c => new string(c)).Take(3)) + "\r\n"
            + string.Join(' ', body.Chunk(8).Select(c => new string(c)).Skip(3));
        Assert.Equal(key.KeyId, MasterKey.Parse(grouped).KeyId);
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
