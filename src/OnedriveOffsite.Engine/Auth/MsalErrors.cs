using Microsoft.Identity.Client;
using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Auth;

/// <summary>Turns MSAL failures into OffsiteExceptions. MSAL messages carry server error codes and descriptions, never tokens.</summary>
internal static class MsalErrors
{
    /// <summary>For silent acquisition (unattended runs): anything that needs the user becomes SignInRequired, at once.</summary>
    public static OffsiteException FromSilent(Exception ex) => ex switch
    {
        _ when IO.TlsFailure.Find(ex) is { } tls => AuthErrors.TokenRefreshTls(tls, ex),
        MsalUiRequiredException ui => AuthErrors.SignInRequired(SilentReason(ui), ui),
        MsalServiceException svc when svc.ErrorCode is "invalid_grant" or "interaction_required" or "invalid_client" or "unauthorized_client" =>
            AuthErrors.SignInRequired($"The identity service refused to refresh the sign-in ({svc.ErrorCode}).", svc),
        MsalServiceException svc => AuthErrors.TokenRefreshFailed($"the identity service answered {svc.StatusCode} {svc.ErrorCode}", svc),
        MsalClientException client when client.ErrorCode is "no_tokens_found" or "user_null" or "multiple_matching_tokens_detected" =>
            AuthErrors.SignInRequired("The token cache holds no usable sign-in.", client),
        MsalClientException client => AuthErrors.TokenRefreshFailed($"{client.ErrorCode}", client),
        HttpRequestException http => AuthErrors.TokenRefreshFailed("the identity service could not be reached", http),
        TaskCanceledException tce => AuthErrors.TokenRefreshFailed("the identity service did not answer in time", tce),
        _ => AuthErrors.TokenRefreshFailed(ex.GetType().Name, ex),
    };

    /// <summary>For interactive sign-in (Connect-OffsiteAccount).</summary>
    public static OffsiteException FromSignIn(Exception ex) => ex switch
    {
        OffsiteException o => o,
        _ when IO.TlsFailure.Find(ex) is { } tls => AuthErrors.SignInTls(tls, ex),
        MsalClientException { ErrorCode: "state_mismatch" } sm => AuthErrors.StateMismatch(sm),
        MsalClientException { ErrorCode: "authentication_canceled" } c => AuthErrors.SignInFailed("sign-in was cancelled.", c),
        MsalException m when m.ErrorCode is "code_expired" or "expired_token" =>
            AuthErrors.SignInFailed("the code expired before the sign-in was completed. Run Connect-OffsiteAccount again and finish within the time shown.", m),
        MsalException m when m.ErrorCode is "authorization_declined" or "access_denied" =>
            AuthErrors.SignInFailed("the sign-in or the permission request was declined.", m),
        MsalException m => AuthErrors.SignInFailed($"{m.ErrorCode}: {m.Message}", m),
        HttpRequestException http => AuthErrors.SignInFailed("the identity service could not be reached.", http),
        _ => AuthErrors.SignInFailed(ex.GetType().Name, ex),
    };

    private static string SilentReason(MsalUiRequiredException ex) => ex.Classification switch
    {
        UiRequiredExceptionClassification.ConsentRequired => "The app needs consent for more permissions than were granted.",
        UiRequiredExceptionClassification.UserPasswordExpired => "The account's password expired.",
        _ when ex.ErrorCode == "invalid_grant" => "The stored sign-in is no longer valid (it expired after 90 days without use, or was revoked).",
        _ when ex.ErrorCode == MsalError.NoTokensFoundError => "The token cache holds no sign-in for this account.",
        _ => $"The stored sign-in can no longer be refreshed without you ({ex.ErrorCode}).",
    };
}
