using Microsoft.Identity.Client.Extensibility;
using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Engine.Auth;

/// <summary>
/// MSAL's "browser" for the public-client authorization-code flow: shows the sign-in URL (which MSAL built
/// with state and PKCE) through the observer and returns the redirect URL the user pastes back. MSAL then
/// checks the state itself (a forged one fails with state_mismatch) and redeems the code with the verifier.
/// </summary>
internal sealed class PastedRedirectWebUi : ICustomWebUi
{
    private readonly IInteractiveObserver _user;

    public PastedRedirectWebUi(IInteractiveObserver user) => _user = user;

    public async Task<Uri> AcquireAuthorizationCodeAsync(Uri authorizationUri, Uri redirectUri, CancellationToken cancellationToken)
    {
        var pasted = await AuthorizationPrompt.AskAsync(_user, authorizationUri, cancellationToken).ConfigureAwait(false);
        return PastedAuthorizationResponse.Parse(pasted).ToRedirectUri(redirectUri, PastedAuthorizationResponse.StateOf(authorizationUri));
    }
}

/// <summary>The text shown for the authorization-code flow and the read of the pasted answer.</summary>
internal static class AuthorizationPrompt
{
    public static async Task<string> AskAsync(IInteractiveObserver user, Uri authorizationUri, CancellationToken ct)
    {
        user.Information(
            "To sign in, open this address in a browser (on any machine):" + Environment.NewLine +
            authorizationUri.AbsoluteUri + Environment.NewLine +
            "After signing in the browser lands on a page (it may look blank or fail to load). " +
            "Copy that page's full address from the address bar and paste it here (or paste only the code).");
        var line = await user.ReadLineAsync("Redirect URL", ct).ConfigureAwait(false);
        return line ?? throw AuthErrors.InputRequired();
    }
}
