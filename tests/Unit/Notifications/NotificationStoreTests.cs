using System.Text;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.IO;
using OnedriveOffsite.Engine.Notifications;
using Xunit;

namespace OnedriveOffsite.Tests.Notifications;

public sealed class NotificationStoreTests : IDisposable
{
    private const string Password = "St0red-Smtp-Secret/For+Tests";
    private readonly TempDirectory _temp = new();
    private readonly NotificationStore _store;

    public NotificationStoreTests() => _store = new NotificationStore(new ConfigHome(_temp.Combine("home")));

    public void Dispose() => _temp.Dispose();

    private static NotificationSettings Smtp(string user = "bot") => new()
    {
        Provider = NotificationProvider.Smtp,
        To = new[] { "admin@example.com" },
        From = "backup@example.com",
        On = NotificationTrigger.Failure,
        Smtp = new SmtpSettings { Server = "mail.example.com", Port = 587, Security = SmtpSecurity.StartTls, UserName = user, CertificateThumbprint = new string('a', 64) },
    };

    [WindowsFact]
    public void On_Windows_the_secret_file_is_DPAPI_protected_not_plain_text()
    {
        _store.Save(Smtp(), Password);
        Assert.DoesNotContain(Password, Encoding.UTF8.GetString(File.ReadAllBytes(_store.SecretPath)));
        Assert.Equal(Password, _store.LoadSmtpPassword());
    }

    [Fact]
    public void The_settings_file_is_owner_only_and_the_password_lives_only_in_the_owner_only_secret_file()
    {
        _store.Save(Smtp(), Password);

        Assert.True(OwnerOnlyFile.IsOwnerOnly(_store.SettingsPath));
        Assert.True(OwnerOnlyFile.IsOwnerOnly(_store.SecretPath));
        var json = File.ReadAllText(_store.SettingsPath);
        Assert.DoesNotContain(Password, json);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(Password)), json);
        Assert.Equal(Password, _store.LoadSmtpPassword());

        var loaded = _store.Load()!;
        Assert.Equal(NotificationProvider.Smtp, loaded.Provider);
        Assert.Equal(new[] { "admin@example.com" }, loaded.To);
        Assert.Equal(NotificationTrigger.Failure, loaded.On);
        Assert.Equal(Smtp().Smtp, loaded.Smtp);
    }

    [Fact]
    public void Replacing_the_configuration_without_a_password_removes_the_old_secret()
    {
        _store.Save(Smtp(), Password);
        _store.Save(new NotificationSettings
        {
            Provider = NotificationProvider.Ses, To = new[] { "a@example.com" }, From = "b@example.com",
            Ses = new SesSettings { Region = "us-east-1", Profile = "mail" },
        }, smtpPassword: null);

        Assert.False(File.Exists(_store.SecretPath));
        Assert.Null(_store.LoadSmtpPassword());
        Assert.Equal("mail", _store.Load()!.Ses!.Profile);
    }

    [Fact]
    public void Provider_None_forgets_settings_and_password()
    {
        _store.Save(Smtp(), Password);
        _store.Save(new NotificationSettings { Provider = NotificationProvider.None }, null);

        Assert.False(File.Exists(_store.SettingsPath));
        Assert.False(File.Exists(_store.SecretPath));
        Assert.Null(_store.Load());
    }

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("")]
    public void Invalid_settings_are_refused_and_nothing_is_written(string to)
    {
        var ex = Assert.Throws<OffsiteException>(() => _store.Save(Smtp() with { To = new[] { to } }, Password));

        Assert.Equal(NotificationErrors.NotificationSettingsInvalid, ex.ErrorId);
        Assert.False(File.Exists(_store.SettingsPath));
        Assert.False(File.Exists(_store.SecretPath));
    }

    [Fact]
    public void A_corrupt_settings_file_is_NotificationSettingsInvalid()
    {
        Directory.CreateDirectory(_store.Home.Path);
        File.WriteAllText(_store.SettingsPath, "{ not json");

        Assert.Equal(NotificationErrors.NotificationSettingsInvalid, Assert.Throws<OffsiteException>(() => _store.Load()).ErrorId);
    }
}
