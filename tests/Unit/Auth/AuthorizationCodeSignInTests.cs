using System.Web;
using OnedriveOffsite.Engine.Auth;
using OnedriveOffsite.Engine.Errors;
using Xunit;

namespace OnedriveOffsite.Tests.Auth;

public sealed class AuthorizationCodeSignInTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PastedRedirectUrl_SignsIn_WithStateAndPkce(bool withClientSecret)
    {
        using var f = new AuthFixture(withClientSecret ? AuthFixture.ClientSecret : null);
        var observer = new RecordingObserver();
        Uri? shown = null;
        observer.Answer = async _ =>
        {
            shown = observer.LastUrl();
            return await f.Server.SignInInBrowserAsync(shown);
        };
        using var cts = new CancellationTokenSource(Timeout);

        var account = await f.SignIn().ConnectWithAuthorizationCodeAsync(observer, cts.Token);

        Assert.Equal(FakeIdentityServer.UserName, account.UserName);
        var query = HttpUtility.ParseQueryString(shown!.Query);
        Assert.False(string.IsNullOrEmpty(query["state"]));
        Assert.Equal("S256", query["code_challenge_method"]);
        var redeem = f.Server.TokenRequestForms.Single(r => r["grant_type"] == "authorization_code");
        Assert.Equal(withClientSecret, redeem.ContainsKey("client_secret")); // confidential client only with a secret
        Assert.True(redeem.ContainsKey("code_verifier"));                  // the fake checked it against the challenge
        Assert.Contains(observer.Messages, m => m.StartsWith("PROMPT: "));
        foreach (var message in observer.Messages) f.AssertNoSecretIn(message);

        // Unattended use afterwards, through the same kind of client (secret sent on refresh when confidential).
        f.Server.AccessTokenLifetimeSeconds = 60;
        var token = await f.TokenSource().GetAccessTokenAsync(forceRefresh: true, cts.Token);
        Assert.StartsWith("access-token-", token);
        var refresh = f.Server.TokenRequestForms.Last();
        Assert.Equal("refresh_token", refresh["grant_type"]);
        Assert.Equal(withClientSecret, refresh.ContainsKey("client_secret"));
    }

    [Fact]
    public async Task PastingOnlyTheCode_Works()
    {
        using var f = new AuthFixture();
        var observer = new RecordingObserver();
        observer.Answer = async _ =>
        {
            var redirect = new Uri(await f.Server.SignInInBrowserAsync(observer.LastUrl()));
            return HttpUtility.ParseQueryString(redirect.Query)["code"];
        };
        using var cts = new CancellationTokenSource(Timeout);
        var account = await f.SignIn().ConnectWithAuthorizationCodeAsync(observer, cts.Token);
        Assert.Equal(FakeIdentityServer.UserName, account.UserName);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ForgedState_IsRejected_AndNothingIsStored(bool withClientSecret)
    {
        using var f = new AuthFixture(withClientSecret ? AuthFixture.ClientSecret : null);
        var observer = new RecordingObserver();
        observer.Answer = async _ =>
        {
            var redirect = await f.Server.SignInInBrowserAsync(observer.LastUrl());
            var state = HttpUtility.ParseQueryString(new Uri(redirect).Query)["state"]!;
            return redirect.Replace("state=" + Uri.EscapeDataString(state), "state=forged-by-attacker");
        };
        using var cts = new CancellationTokenSource(Timeout);

        var ex = await Assert.ThrowsAsync<OffsiteException>(() => f.SignIn().ConnectWithAuthorizationCodeAsync(observer, cts.Token));

        Assert.Equal("AuthorizationStateMismatch", ex.ErrorId);
        Assert.Equal(OffsiteErrorCategory.SecurityError, ex.Category);
        Assert.DoesNotContain(f.Server.TokenRequestForms, r => r["grant_type"] == "authorization_code"); // the code was never redeemed
        Assert.Null(f.SignIn().GetAccount());
        f.AssertNoSecretIn(ex.ToString());
    }

    [Fact]
    public async Task ErrorInPastedUrl_And_SessionThatCannotPrompt_FailClearly()
    {
        using var f = new AuthFixture();
        using var cts = new CancellationTokenSource(Timeout);
        var observer = new RecordingObserver { Answer = _ => Task.FromResult<string?>("https://127.0.0.1/common/oauth2/nativeclient?error=access_denied&error_description=The+user+declined") };
        var declined = await Assert.ThrowsAsync<OffsiteException>(() => f.SignIn().ConnectWithAuthorizationCodeAsync(observer, cts.Token));
        Assert.Equal("SignInFailed", declined.ErrorId);
        Assert.Contains("access_denied", declined.Message);

        var noPrompt = new RecordingObserver(); // answers null: the host cannot read a line
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => f.SignIn().ConnectWithAuthorizationCodeAsync(noPrompt, cts.Token));
        Assert.Equal("InteractiveInputRequired", ex.ErrorId);
    }
}
