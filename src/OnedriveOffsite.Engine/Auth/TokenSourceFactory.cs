using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Engine.Auth;

/// <summary>Picks the token source matching what Connect-OffsiteAccount stored in the config home.</summary>
public static class TokenSourceFactory
{
    /// <summary>Throws NotConnected when nobody signed in, AppNotConfigured / SignInRequired as the sources do.</summary>
    public static IAccessTokenSource Create(ConfigHome home, Func<HttpClient>? httpClientFactory = null,
        IOperationObserver? observer = null)
    {
        var record = new ConnectionStore(home).Load();
        return record.Kind switch
        {
            ConnectionKind.AccessToken => new StaticAccessTokenSource(home),
            _ => new MsalAccessTokenSource(home, httpClientFactory, observer),
        };
    }
}
