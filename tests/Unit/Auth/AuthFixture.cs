using Xunit;
using OnedriveOffsite.Engine.Auth;
using OnedriveOffsite.Engine.Config;

namespace OnedriveOffsite.Tests.Auth;

/// <summary>A temporary config home wired to a fresh <see cref="FakeIdentityServer"/>.</summary>
internal sealed class AuthFixture : IDisposable
{
    public const string ClientId = "3b1c6a52-1c51-4b6e-9a3a-2b0c9c1f0e11";
    public const string ClientSecret = "CLIENT-SECRET-do-not-leak-7f3a";

    /// <param name="graphEndpoint">Graph root (e.g. an emulator's BaseUri); default: a closed port.</param>
    public AuthFixture(string? clientSecret = null, ScopeMode scope = ScopeMode.AppFolder, Uri? graphEndpoint = null)
    {
        Server = new FakeIdentityServer();
        Home = new ConfigHome(Path.Combine(Path.GetTempPath(), "oo-auth-" + Guid.NewGuid().ToString("N")));
        Settings = new AppSettingsStore(Home).Save(new AppSettings
        {
            ClientId = ClientId,
            TenantId = "consumers",
            ScopeMode = scope,
            DriveFolder = scope == ScopeMode.Drive ? "Backups/Offsite" : null,
            GraphEndpoint = graphEndpoint ?? new Uri("http://127.0.0.1:1"),
            AuthorityHost = Server.AuthorityHost,
        }, clientSecret);
    }

    public FakeIdentityServer Server { get; }
    public ConfigHome Home { get; }
    public AppSettings Settings { get; }

    public SignInService SignIn() => new(Home, () => Server.CreateHttpClient());

    public MsalAccessTokenSource TokenSource(RecordingObserver? observer = null) => new(Home, () => Server.CreateHttpClient(), observer);

    public async Task<OffsiteAccount> SignInWithDeviceCodeAsync(RecordingObserver? observer = null)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await SignIn().ConnectWithDeviceCodeAsync(observer ?? new RecordingObserver(), cts.Token);
    }

    /// <summary>Everything that must never reach a user: issued tokens and codes, and the client secret.</summary>
    public IEnumerable<string> Secrets => Server.IssuedSecrets.Append(ClientSecret);

    public void AssertNoSecretIn(string text)
    {
        foreach (var secret in Secrets) Assert.DoesNotContain(secret, text);
    }

    public void Dispose()
    {
        Server.Dispose();
        try { Directory.Delete(Home.Path, recursive: true); } catch (DirectoryNotFoundException) { }
    }
}
