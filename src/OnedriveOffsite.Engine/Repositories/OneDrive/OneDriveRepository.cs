using Microsoft.Graph;
using Microsoft.Kiota.Abstractions.Authentication;
using OnedriveOffsite.Engine.Auth;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Legacy;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Repositories.OneDrive;

/// <summary>
/// A repository in OneDrive: <c>&lt;root&gt;/&lt;set&gt;/&lt;snapshot&gt;/files</c>, where the root is the app folder
/// (<c>/me/drive/special/approot</c>) or the configured drive folder (<c>/me/drive/root:/&lt;DriveFolder&gt;</c>), plus
/// the spec's sub path. Folders, listings and deletes go through GraphServiceClient; upload fragments and
/// ranged downloads through a plain HttpClient loop (see <see cref="UploadSessionClient"/>, <see cref="OneDriveDownloadStream"/>).
/// Every stored file is uploaded with conflictBehavior fail: a snapshot never replaces anything.
/// </summary>
public sealed class OneDriveRepository : ISnapshotRepository, ILegacyArchiveStore, IDisposable
{
    private readonly OneDriveContext _ctx;
    private readonly HttpClient _graphHttp;
    private readonly HttpMessageHandler _handler;

    private OneDriveRepository(OneDriveContext ctx, HttpClient graphHttp, HttpMessageHandler handler, string description)
    {
        _ctx = ctx;
        _graphHttp = graphHttp;
        _handler = handler;
        Description = description;
    }

    public string Description { get; }

    /// <summary>
    /// 64 MiB: an upload session belongs to the process that made it (its state is in memory, not in the journal), so
    /// a killed or stopped run sends each in-flight part again; 64 MiB bounds that to what an interruption may cost.
    /// </summary>
    public long? PreferredPartSize => PreferredPartBytes;

    public string ReadStep => "downloading";

    public const long PreferredPartBytes = 64L << 20;

    /// <summary>
    /// Opens <paramref name="spec"/> (<c>onedrive:</c> or <c>onedrive:/sub/path</c>; null means <c>onedrive:</c>) with
    /// the app settings and sign-in of <paramref name="home"/>. Nothing is contacted until the first operation.
    /// Throws AppNotConfigured / NotConnected / SignInRequired (from the token source), InvalidRepository.
    /// </summary>
    public static OneDriveRepository Open(ConfigHome home, string? spec, IOperationObserver observer, OneDriveOptions? options = null)
    {
        options = (options ?? new OneDriveOptions()).Validate();
        var settings = new AppSettingsStore(home).Load();
        var sub = ParseSpec(spec);
        var tokens = options.TokenSource ?? TokenSourceFactory.Create(home, options.IdentityHttpClientFactory, observer);
        var rootPath = settings.ScopeMode == ScopeMode.Drive
            ? GraphDrive.Join(AppSettings.NormalizeDriveFolder(settings.DriveFolder), sub)
            : sub;

        var retry = new GraphRetry(options, observer);
        var handler = options.HttpMessageHandlerFactory?.Invoke() ?? new SocketsHttpHandler
        {
            AllowAutoRedirect = false, // a redirect must never carry the bearer token anywhere
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(30),
        };
        // Long fragment PUTs and downloads on slow links: no overall timeout; stalls surface as IO errors and are retried.
        var graphHttp = new HttpClient(new GraphRequestHandler(tokens, retry, handler, settings.GraphEndpoint), disposeHandler: false) { Timeout = TimeSpan.FromMinutes(5) };
        var plainHttp = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        // Tokens are added by GraphRequestHandler (with the 401 refresh), so the SDK itself sends none.
        var client = new GraphServiceClient(graphHttp, new AnonymousAuthenticationProvider(), settings.GraphEndpoint.ToString().TrimEnd('/') + "/v1.0");
        var drive = new GraphDrive(client, settings.ScopeMode, rootPath, settings.GraphEndpoint);
        var where = settings.ScopeMode == ScopeMode.Drive ? $"drive folder /{rootPath}" : "app folder";
        var description = $"{OneDriveBackend.Prefix}/{sub} ({(settings.ScopeMode == ScopeMode.Drive ? where : "app folder")})";
        return new OneDriveRepository(new OneDriveContext(drive, plainHttp, retry, options), graphHttp, handler, description);
    }

    /// <summary>The sub path of a spec, without leading/trailing '/'; "" for the root.</summary>
    internal static string ParseSpec(string? spec)
    {
        spec ??= OneDriveBackend.Prefix;
        if (!spec.StartsWith(OneDriveBackend.Prefix, StringComparison.OrdinalIgnoreCase))
            throw GraphErrors.InvalidPath(spec, "it does not start with 'onedrive:'");
        var sub = AppSettings.NormalizeDriveFolder(spec[OneDriveBackend.Prefix.Length..]) ?? "";
        if (sub.Length > 0 && !AppSettings.IsValidDrivePath(sub))
            throw GraphErrors.InvalidPath(spec, "names joined by '/', without \" * : < > ? \\ |, none ending in a dot or space");
        return sub;
    }

    public async Task<IReadOnlyList<string>> ListSetsAsync(CancellationToken ct)
    {
        var children = await _ctx.Drive.ListChildrenAsync("", ct).ConfigureAwait(false);
        return (children ?? []).Where(c => c.IsFolder).Select(c => c.Name).Order(StringComparer.Ordinal).ToList();
    }

    public async Task<IReadOnlyList<StoredSnapshotFolder>> ListSnapshotsAsync(string set, CancellationToken ct)
    {
        var folders = await _ctx.Drive.ListChildrenAsync(set, ct).ConfigureAwait(false);
        var result = new List<StoredSnapshotFolder>();
        foreach (var folder in (folders ?? []).Where(f => f.IsFolder && SnapshotFiles.TryParseSnapshotFolder(f.Name, out _)).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var files = (await _ctx.Drive.ListChildrenAsync(GraphDrive.Join(set, folder.Name), ct).ConfigureAwait(false) ?? [])
                .Where(f => !f.IsFolder).Select(f => new StoredFile(f.Name, f.Size, f.QuickXorHash is null ? null : new StoredChecksum(StoredChecksum.QuickXorHash, f.QuickXorHash))).ToList();
            result.Add(new StoredSnapshotFolder(new SnapshotLocation(set, folder.Name), files.Any(f => f.Name == SnapshotFiles.ManifestName), files));
        }
        return result;
    }

    public async Task<IReadOnlyList<StoredFile>> ListFilesAsync(SnapshotLocation folder, CancellationToken ct) =>
        ((await _ctx.Drive.ListChildrenAsync(Folder(folder), ct).ConfigureAwait(false)) ?? [])
            .Where(f => !f.IsFolder).Select(f => new StoredFile(f.Name, f.Size, f.QuickXorHash is null ? null : new StoredChecksum(StoredChecksum.QuickXorHash, f.QuickXorHash))).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();

    public Task<IPartSink> CreateFileAsync(SnapshotLocation snapshot, string name, long? knownLength, CancellationToken ct) =>
        Task.FromResult<IPartSink>(new OneDriveUploadSink(_ctx, new UploadDestination(Folder(snapshot), name), knownLength));

    public async Task<Stream> OpenReadAsync(SnapshotLocation snapshot, string name, CancellationToken ct) =>
        await _ctx.OpenDownloadAsync(GraphDrive.Join(Folder(snapshot), name), ct).ConfigureAwait(false)
            ?? throw new Errors.OffsiteException(ErrorIds.Snapshots.PartMissing, Errors.OffsiteErrorCategory.ObjectNotFound,
                $"Stored {name} of snapshot {snapshot.Set}/{snapshot.Snapshot} is missing from {Description}.", name);

    public async Task WriteManifestAsync(SnapshotLocation snapshot, byte[] manifest, CancellationToken ct)
    {
        // A one-fragment upload session with conflictBehavior fail: it appears whole or not at all, and never
        // replaces an existing manifest (a simple PUT cannot refuse to overwrite as reliably).
        // Session lost or damaged on the way: send the same bytes again (already encrypted once, so resending them
        // reuses no nonce; a damaged copy was deleted by the sink).
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var sink = new OneDriveUploadSink(_ctx, new UploadDestination(Folder(snapshot), SnapshotFiles.ManifestName), manifest.Length);
                await sink.WriteAsync(manifest, ct).ConfigureAwait(false);
                await sink.CompleteAsync(ct).ConfigureAwait(false);
                return;
            }
            catch (RetryablePartException e) when (StoredFileRetry.Manifest.ShouldRetry(e, attempt))
            {
                _ctx.Retry.Observer.Verbose($"{e.ErrorId}: {e.Message} Storing the manifest again.");
            }
        }
    }

    public async Task<byte[]?> ReadManifestAsync(SnapshotLocation snapshot, CancellationToken ct)
    {
        await using var stream = await _ctx.OpenDownloadAsync(GraphDrive.Join(Folder(snapshot), SnapshotFiles.ManifestName), ct).ConfigureAwait(false);
        if (stream is null) return null;
        // The stream reads exactly the size OneDrive listed, so checking that size bounds what is downloaded.
        if (stream.Length > Format.ManifestCodec.MaxSize) throw Format.ManifestCodec.TooLarge($"The manifest of snapshot {snapshot.Set}/{snapshot.Snapshot}", stream.Length);
        using var copy = new MemoryStream((int)stream.Length);
        await stream.CopyToAsync(copy, ct).ConfigureAwait(false);
        return copy.ToArray();
    }

    public async Task DeleteFileAsync(SnapshotLocation snapshot, string name, CancellationToken ct)
    {
        var item = await _ctx.Drive.GetAsync(GraphDrive.Join(Folder(snapshot), name), ct).ConfigureAwait(false);
        if (item is not null) await _ctx.Drive.DeleteAsync(item.Id, $"removing the unrecorded {name}", ct).ConfigureAwait(false);
    }

    public async Task DeleteSnapshotAsync(SnapshotLocation snapshot, CancellationToken ct)
    {
        var folder = await _ctx.Drive.GetAsync(Folder(snapshot), ct).ConfigureAwait(false);
        if (folder is not null) await _ctx.Drive.DeleteAsync(folder.Id, $"removing snapshot {snapshot.Set}/{snapshot.Snapshot}", ct).ConfigureAwait(false);
    }

    public async Task<bool> TryCreateLockAsync(string? scope, byte[] content, CancellationToken ct)
    {
        var folderId = await _ctx.Drive.EnsureFolderAsync(scope ?? "", ct).ConfigureAwait(false);
        return await _ctx.Drive.TryCreateSmallFileAsync(folderId, SnapshotFiles.LockName, content, $"creating the lock of {LockWhat(scope)}", ct).ConfigureAwait(false);
    }

    public async Task<byte[]?> ReadLockAsync(string? scope, CancellationToken ct) => (await ReadLockItemAsync(scope, ct).ConfigureAwait(false))?.Content;

    public async Task<bool> ReplaceLockAsync(string? scope, byte[] expected, byte[] content, CancellationToken ct)
    {
        // Replaced by item id: a lock deleted and created again by someone else is another item, so this fails (404).
        if (await ReadLockItemAsync(scope, ct).ConfigureAwait(false) is not { } current || !current.Content.AsSpan().SequenceEqual(expected)) return false;
        return await _ctx.Drive.ReplaceSmallFileAsync(current.Id, content, $"refreshing the lock of {LockWhat(scope)}", ct).ConfigureAwait(false);
    }

    public async Task<bool> DeleteLockAsync(string? scope, byte[] expected, CancellationToken ct)
    {
        if (await ReadLockItemAsync(scope, ct).ConfigureAwait(false) is not { } current || !current.Content.AsSpan().SequenceEqual(expected)) return false;
        await _ctx.Drive.DeleteAsync(current.Id, $"removing the lock of {LockWhat(scope)}", ct).ConfigureAwait(false);
        return true;
    }

    private async Task<(string Id, byte[] Content)?> ReadLockItemAsync(string? scope, CancellationToken ct)
    {
        var path = GraphDrive.Join(scope, SnapshotFiles.LockName);
        var item = await _ctx.Drive.GetAsync(path, ct).ConfigureAwait(false);
        if (item is null) return null;
        await using var stream = await _ctx.OpenDownloadAsync(path, ct).ConfigureAwait(false);
        if (stream is null) return null;
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, ct).ConfigureAwait(false);
        return (item.Id, copy.ToArray());
    }

    private static string LockWhat(string? scope) => scope is null ? "the repository" : $"set {scope}";

    /// <summary>Backups of the old service: direct subfolders of the repository root holding '&lt;counter&gt;_&lt;base&gt;' archives.</summary>
    public async Task<IReadOnlyList<LegacyBackupInfo>> ListLegacyBackupsAsync(CancellationToken ct)
    {
        var result = new List<LegacyBackupInfo>();
        foreach (var folder in (await _ctx.Drive.ListChildrenAsync("", ct).ConfigureAwait(false) ?? []).Where(f => f.IsFolder).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var archives = (await _ctx.Drive.ListChildrenAsync(folder.Name, ct).ConfigureAwait(false) ?? [])
                .Where(f => !f.IsFolder && LegacyArchiveSet.TryParseName(f.Name, out _, out _)).ToList();
            if (archives.Count == 0) continue;
            result.Add(new LegacyBackupInfo(folder.Name, archives.Count, archives.Sum(a => a.Size), archives.Max(a => a.LastModified)));
        }
        return result;
    }

    /// <summary>The archives of the old service in <paramref name="folder"/> (below the repository root).</summary>
    public ILegacyArchiveSource OpenLegacyArchiveSource(string folder) =>
        new OneDriveLegacyArchiveSource(_ctx, AppSettings.NormalizeDriveFolder(folder) ?? "", $"{Description.Split(' ')[0].TrimEnd('/')}/{folder.Trim('/')}");

    private static string Folder(SnapshotLocation s) => GraphDrive.Join(s.Set, s.Snapshot);

    public void Dispose()
    {
        _graphHttp.Dispose();
        _ctx.PreAuthenticated.Dispose();
        _handler.Dispose();
    }

    public override string ToString() => Description;
}
