using System.Web;

namespace OnedriveOffsite.Engine.Auth;

/// <summary>
/// What the user pasted after signing in: the whole redirect URL (<c>...?code=...&amp;state=...</c>) or only the code.
/// </summary>
internal sealed record PastedAuthorizationResponse(string Code, string? State)
{
    public static PastedAuthorizationResponse Parse(string? pasted)
    {
        var text = pasted?.Trim().Trim('"', '\'') ?? "";
        if (text.Length == 0) throw AuthErrors.InvalidAuthorizationResponse("nothing was pasted.");
        var queryStart = text.IndexOfAny(new[] { '?', '#' });
        if (queryStart < 0 && !text.Contains('='))
            return new PastedAuthorizationResponse(text, null); // just the code
        var query = HttpUtility.ParseQueryString(queryStart >= 0 ? text[(queryStart + 1)..].Replace('#', '&') : text);
        if (query["error"] is { } error)
        {
            var description = query["error_description"];
            throw AuthErrors.SignInFailed($"the identity service answered '{error}'"
                + (string.IsNullOrEmpty(description) ? "." : $": {description}"));
        }
        var code = query["code"];
        if (string.IsNullOrEmpty(code)) throw AuthErrors.InvalidAuthorizationResponse(
            "the URL has no 'code' parameter. Paste the full address of the page you land on after signing in.");
        return new PastedAuthorizationResponse(code, query["state"]);
    }

    /// <summary>The redirect URL MSAL expects, rebuilt from the parts (a bare code gets the request's own state).</summary>
    public Uri ToRedirectUri(Uri redirectUri, string? requestState)
    {
        var state = State ?? requestState;
        var builder = new UriBuilder(redirectUri)
        {
            Query = "code=" + Uri.EscapeDataString(Code) + (state is null ? "" : "&state=" + Uri.EscapeDataString(state)),
        };
        return builder.Uri;
    }

    public static string? StateOf(Uri authorizeUri) => HttpUtility.ParseQueryString(authorizeUri.Query)["state"];

    public override string ToString() => "Authorization response"; // the code is a short-lived credential
}
