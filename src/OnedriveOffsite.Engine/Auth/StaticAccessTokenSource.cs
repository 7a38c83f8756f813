using OnedriveOffsite.Engine.Config;

namespace OnedriveOffsite.Engine.Auth;

/// <summary>
/// The access token given to <c>Connect-OffsiteAccount -AccessToken</c> (automation, tests), read from its
/// protected file in the config home. It cannot be refreshed: expired or rejected means sign in again.
/// </summary>
public sealed class StaticAccessTokenSource : IAccessTokenSource
{
    private readonly string _token;
    private readonly DateTimeOffset? _expiresOn;

    public StaticAccessTokenSource(ConfigHome home)
    {
        var store = new ConnectionStore(home);
        var record = store.Load();
        _expiresOn = record.ExpiresOn;
        _token = store.LoadAccessToken() ?? throw AuthErrors.SignInRequired("The stored access token is missing.");
    }

    public Task<string> GetAccessTokenAsync(bool forceRefresh, CancellationToken ct)
    {
        if (forceRefresh)
            throw AuthErrors.SignInRequired(
                "Microsoft Graph rejected the access token given to Connect-OffsiteAccount -AccessToken, and such a token cannot be " +
                "refreshed.");
        if (_expiresOn is { } exp && exp <= DateTimeOffset.UtcNow)
            throw AuthErrors.SignInRequired(
                $"The access token given to Connect-OffsiteAccount -AccessToken expired at {exp.ToUniversalTime():u}.");
        return Task.FromResult(_token);
    }

    public override string ToString() => "Static access token" + (_expiresOn is { } e ? $" valid until {e.ToUniversalTime():u}" : "");
}
