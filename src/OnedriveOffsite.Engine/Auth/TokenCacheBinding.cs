using Microsoft.Identity.Client;

namespace OnedriveOffsite.Engine.Auth;

/// <summary>
/// Connects an MSAL token cache to <see cref="TokenCacheFile"/>: every access reloads the file under the cache
/// lock and every change is written back before the lock is released, so a rotated refresh token is on disk
/// the moment MSAL has it (a crash right after a refresh must not leave only the already-redeemed token).
/// </summary>
internal sealed class TokenCacheBinding
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(60);
    private readonly TokenCacheFile _file;
    // MSAL pairs BeforeAccess/AfterAccess and serializes them per cache, so one held lock at a time is enough.
    private FileLock? _held;
    private TokenCacheContents _loaded = TokenCacheContents.Empty;

    private TokenCacheBinding(TokenCacheFile file) => _file = file;

    public static void Bind(ITokenCache cache, TokenCacheFile file)
    {
        var binding = new TokenCacheBinding(file);
        cache.SetBeforeAccessAsync(binding.BeforeAccessAsync);
        cache.SetAfterAccessAsync(binding.AfterAccessAsync);
    }

    private async Task BeforeAccessAsync(TokenCacheNotificationArgs args)
    {
        _held = await FileLock.AcquireAsync(_file.LockPath, LockTimeout, args.CancellationToken).ConfigureAwait(false);
        try
        {
            var bytes = _file.Read();
            _loaded = TokenCacheContents.Parse(bytes);
            try { args.TokenCache.DeserializeMsalV3(bytes, shouldClearExistingCache: true); }
            // unreadable: start empty, sign-in will be asked for
            catch (MsalClientException) { args.TokenCache.DeserializeMsalV3(null, shouldClearExistingCache: true); }
        }
        catch
        {
            Release();
            throw;
        }
    }

    private Task AfterAccessAsync(TokenCacheNotificationArgs args)
    {
        try
        {
            if (args.HasStateChanged)
            {
                var bytes = args.TokenCache.SerializeMsalV3();
                _file.Write(bytes);
                var now = TokenCacheContents.Parse(bytes);
                if (now.RefreshTokenSecrets.Any(s => !_loaded.RefreshTokenSecrets.Contains(s)))
                    _file.WriteRefreshTokenUpdatedOn(DateTimeOffset.UtcNow);
                _loaded = now;
            }
        }
        finally
        {
            Release();
        }
        return Task.CompletedTask;
    }

    private void Release()
    {
        _held?.Dispose();
        _held = null;
    }
}
