namespace OnedriveOffsite.Engine.Repositories.OneDrive;

/// <summary>What the repository's pieces share: the drive, the client for pre-authenticated URLs, the retry rules.</summary>
internal sealed class OneDriveContext
{
    public OneDriveContext(GraphDrive drive, HttpClient preAuthenticated, GraphRetry retry, OneDriveOptions options)
    {
        Drive = drive;
        PreAuthenticated = preAuthenticated;
        Retry = retry;
        Options = options;
    }

    public GraphDrive Drive { get; }

    /// <summary>For uploadUrl and download URLs only: this client never carries an Authorization header.</summary>
    public HttpClient PreAuthenticated { get; }

    public GraphRetry Retry { get; }
    public OneDriveOptions Options { get; }

    public async Task<UploadSessionClient> StartUploadAsync(UploadDestination target, long total, string what, CancellationToken ct)
    {
        var folderId = await Drive.EnsureFolderAsync(target.FolderPath, ct).ConfigureAwait(false);
        var url = await Drive.CreateUploadSessionAsync(folderId, target.Name, what, ct).ConfigureAwait(false);
        return new UploadSessionClient(PreAuthenticated, Retry, url, total, what,
            token => Drive.GetChildAsync(folderId, target.Name, token), Options.Limits.Upload);
    }

    /// <summary>A forward-only stream over a stored file, or null when it does not exist.</summary>
    public async Task<Stream?> OpenDownloadAsync(string path, CancellationToken ct)
    {
        var first = await Drive.GetForDownloadAsync(path, ct).ConfigureAwait(false);
        if (first is null) return null;
        var stream = new OneDriveDownloadStream(this, path, first.Value.Item.Size, first.Value.DownloadUrl);
        return Options.Limits.Download is { } limit ? new IO.RateLimitedReadStream(stream, limit) : stream;
    }
}
