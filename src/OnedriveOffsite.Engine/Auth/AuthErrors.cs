using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Auth;

/// <summary>The sign-in related failures users can hit, with their stable ErrorIds.</summary>
internal static class AuthErrors
{
    private const string Advice = "Run Connect-OffsiteAccount again to sign in.";

    public static OffsiteException SignInRequired(string reason, Exception? inner = null) =>
        new(ErrorIds.Auth.SignInRequired, OffsiteErrorCategory.AuthenticationError, $"{reason} {Advice}", null, inner);

    public static OffsiteException NotConnected(string configPath) =>
        new(ErrorIds.Auth.NotConnected, OffsiteErrorCategory.AuthenticationError,
            $"No account is connected for the config home '{configPath}'. Run Connect-OffsiteAccount first.", configPath);

    public static OffsiteException TokenRefreshFailed(string detail, Exception? inner = null) =>
        new(ErrorIds.Auth.TokenRefreshFailed, OffsiteErrorCategory.ConnectionError,
            $"Could not refresh the access token: {detail}. This is usually a network or service problem; try again later.", null, inner);

    /// <summary>TokenRefreshFailed for an identity service whose TLS certificate was not trusted (no network problem).</summary>
    public static OffsiteException TokenRefreshTls(System.Security.Authentication.AuthenticationException tls, Exception inner) =>
        new(ErrorIds.Auth.TokenRefreshFailed, OffsiteErrorCategory.SecurityError,
            $"Could not refresh the access token: {IO.TlsFailure.Explain("the identity service", tls)}", null, inner);

    /// <summary>SignInFailed for an identity service whose TLS certificate was not trusted (no network problem).</summary>
    public static OffsiteException SignInTls(System.Security.Authentication.AuthenticationException tls, Exception inner) =>
        new(ErrorIds.Auth.SignInFailed, OffsiteErrorCategory.SecurityError, $"Sign-in failed: {IO.TlsFailure.Explain("the identity service", tls)}", null, inner);

    public static OffsiteException SignInFailed(string detail, Exception? inner = null) =>
        new(ErrorIds.Auth.SignInFailed, OffsiteErrorCategory.AuthenticationError, $"Sign-in failed: {detail}", null, inner);

    public static OffsiteException StateMismatch(Exception? inner = null) =>
        new(ErrorIds.Auth.AuthorizationStateMismatch, OffsiteErrorCategory.SecurityError,
            "The pasted redirect URL does not belong to this sign-in (its 'state' does not match), so it was rejected. " +
            "Start Connect-OffsiteAccount -AuthorizationCode again and paste the address you land on after signing in.", null, inner);

    public static OffsiteException InvalidAuthorizationResponse(string detail) =>
        new(ErrorIds.Auth.InvalidAuthorizationResponse, OffsiteErrorCategory.InvalidData, $"The pasted text is not a sign-in answer: {detail}");

    public static OffsiteException InputRequired() =>
        new(ErrorIds.Auth.InteractiveInputRequired, OffsiteErrorCategory.InvalidOperation,
            "The authorization-code sign-in must read the pasted redirect URL, but this session cannot prompt. " +
            "Run Connect-OffsiteAccount in an interactive session, or use the device code flow (the default).");

    public static OffsiteException TokenCacheLocked(string path, Exception inner) =>
        new(ErrorIds.Auth.TokenCacheLocked, OffsiteErrorCategory.ResourceUnavailable,
            $"The token cache lock '{path}' stayed held by another OnedriveOffsite run for too long.", path, inner);
}
