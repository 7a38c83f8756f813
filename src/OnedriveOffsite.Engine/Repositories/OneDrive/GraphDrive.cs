using System.Collections.Concurrent;
using System.Net;
using Microsoft.Graph;
using Microsoft.Graph.Drives.Item.Items.Item.CreateUploadSession;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using OnedriveOffsite.Engine.Auth;
using OnedriveOffsite.Engine.Config;

namespace OnedriveOffsite.Engine.Repositories.OneDrive;

/// <summary>
/// Items, folders, listings and deletes of the repository's folder tree through GraphServiceClient. Every path
/// here is relative to the repository root (<c>set/snapshot/file</c>); the root itself is the app folder or the
/// configured drive folder plus the spec's sub path. Retries, throttling and tokens are handled underneath by
/// <see cref="GraphRequestHandler"/>, so an ODataError reaching this class is final.
/// </summary>
internal sealed class GraphDrive
{
    private readonly GraphServiceClient _client;
    private readonly ScopeMode _scope;
    private readonly string _rootPath; // below the anchor (app folder or drive root), no leading/trailing '/'
    private readonly Uri _graphEndpoint;
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _folders = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _anchorLock = new(1, 1);
    private (string DriveId, string AnchorId)? _anchor;

    public GraphDrive(GraphServiceClient client, ScopeMode scope, string rootPath, Uri graphEndpoint)
    {
        _graphEndpoint = graphEndpoint;
        _client = client;
        _scope = scope;
        _rootPath = rootPath;
    }

    public static string Join(params string?[] parts) => string.Join('/', parts.Where(p => !string.IsNullOrEmpty(p)));

    /// <summary>The item at <paramref name="relativePath"/> below the root, or null when it does not exist.</summary>
    public async Task<DriveItemInfo?> GetAsync(string relativePath, CancellationToken ct)
    {
        var item = await GetRawAsync(relativePath, ct).ConfigureAwait(false);
        return item is null ? null : DriveItemInfo.From(item);
    }

    /// <summary>The item with its short-lived pre-authenticated download URL (a secret), or null when missing.</summary>
    public async Task<(DriveItemInfo Item, Uri DownloadUrl)?> GetForDownloadAsync(string relativePath, CancellationToken ct)
    {
        var item = await GetRawAsync(relativePath, ct).ConfigureAwait(false);
        if (item is null || item.Folder is not null) return null;
        var url = item.AdditionalData.TryGetValue("@microsoft.graph.downloadUrl", out var u) ? u?.ToString() : null;
        if (string.IsNullOrEmpty(url)) throw GraphErrors.RequestFailed($"getting the download address of {relativePath}", 200,
            "no downloadUrl");
        return (DriveItemInfo.From(item), new Uri(url));
    }

    private async Task<DriveItem?> GetRawAsync(string relativePath, CancellationToken ct)
    {
        var (driveId, anchorId) = await AnchorAsync(ct).ConfigureAwait(false);
        var path = Join(_rootPath, relativePath);
        try
        {
            return path.Length == 0
                ? await _client.Drives[driveId].Items[anchorId].GetAsync(cancellationToken: ct).ConfigureAwait(false)
                : await _client.Drives[driveId].Items[anchorId].ItemWithPath(path).GetAsync(cancellationToken: ct).ConfigureAwait(false);
        }
        catch (ODataError e) when (e.ResponseStatusCode == 404) { return null; }
        catch (ODataError e) { throw Map(e, $"reading {Describe(relativePath)}"); }
    }

    /// <summary>Every child of the folder (all pages), or null when the folder does not exist.</summary>
    public async Task<IReadOnlyList<DriveItemInfo>?> ListChildrenAsync(string relativePath, CancellationToken ct)
    {
        var (driveId, anchorId) = await AnchorAsync(ct).ConfigureAwait(false);
        var path = Join(_rootPath, relativePath);
        var what = $"listing {Describe(relativePath)}";
        var result = new List<DriveItemInfo>();
        try
        {
            var page = path.Length == 0
                ? await _client.Drives[driveId].Items[anchorId].Children.GetAsync(cancellationToken: ct).ConfigureAwait(false)
                : await _client.Drives[driveId].Items[anchorId].ItemWithPath(path).Children.GetAsync(cancellationToken: ct)
                    .ConfigureAwait(false);
            while (page is not null)
            {
                result.AddRange((page.Value ?? []).Select(DriveItemInfo.From));
                if (string.IsNullOrEmpty(page.OdataNextLink)) break;
                // The next link is absolute and opaque: follow it as given, to the end, but only to the configured
                // Graph host (the bearer token goes with it).
                if (!GraphRequestHandler.IsGraphHost(_graphEndpoint, page.OdataNextLink))
                    throw GraphErrors.RequestFailed(what, 200,
                        "@odata.nextLink leads to another host than the configured Graph endpoint; not followed");
                page = await _client.Drives[driveId].Items[anchorId].Children.WithUrl(page.OdataNextLink).GetAsync(cancellationToken: ct)
                    .ConfigureAwait(false);
            }
        }
        catch (ODataError e) when (e.ResponseStatusCode == 404) { return null; }
        catch (ODataError e) { throw Map(e, what); }
        return result;
    }

    /// <summary>
    /// The id of the folder at <paramref name="relativePath"/>, creating it and its parents as needed. Each level is
    /// created with conflictBehavior fail: 409 nameAlreadyExists (another worker or run was first) is fine.
    /// </summary>
    public Task<string> EnsureFolderAsync(string relativePath, CancellationToken ct)
    {
        var path = Join(_rootPath, relativePath);
        return EnsureAbsoluteFolderAsync(path, ct);
    }

    private Task<string> EnsureAbsoluteFolderAsync(string path, CancellationToken ct)
    {
        var lazy = _folders.GetOrAdd(path, p => new Lazy<Task<string>>(() => CreateFolderChainAsync(p, ct)));
        var task = lazy.Value;
        // A failed creation must not poison later attempts.
        if (task.IsFaulted || task.IsCanceled) _folders.TryRemove(new KeyValuePair<string, Lazy<Task<string>>>(path, lazy));
        return task;
    }

    private async Task<string> CreateFolderChainAsync(string path, CancellationToken ct)
    {
        try
        {
            var (driveId, anchorId) = await AnchorAsync(ct).ConfigureAwait(false);
            if (path.Length == 0) return anchorId;
            var slash = path.LastIndexOf('/');
            var parentId = slash < 0 ? anchorId : await EnsureAbsoluteFolderAsync(path[..slash], ct).ConfigureAwait(false);
            var name = path[(slash + 1)..];
            try
            {
                var created = await _client.Drives[driveId].Items[parentId].Children.PostAsync(new DriveItem
                {
                    Name = name,
                    Folder = new Folder(),
                    AdditionalData = new Dictionary<string, object> { ["@microsoft.graph.conflictBehavior"] = "fail" },
                }, cancellationToken: ct).ConfigureAwait(false);
                return created?.Id ?? throw GraphErrors.RequestFailed($"creating folder {path}", 201, "no id");
            }
            catch (ODataError e) when (e.ResponseStatusCode == 409)
            {
                var existing = await _client.Drives[driveId].Items[anchorId].ItemWithPath(path).GetAsync(cancellationToken: ct)
                    .ConfigureAwait(false);
                if (existing?.Folder is null) throw GraphErrors.AlreadyExists($"'{path}' (a file where a folder belongs)");
                return existing.Id!;
            }
        }
        catch (ODataError e)
        {
            _folders.TryRemove(path, out _);
            throw Map(e, $"creating folder {path}");
        }
        catch
        {
            _folders.TryRemove(path, out _);
            throw;
        }
    }

    /// <summary>Starts an upload session for a NEW file (conflictBehavior fail); returns its uploadUrl (a secret).</summary>
    public async Task<Uri> CreateUploadSessionAsync(string folderId, string name, string what, CancellationToken ct)
    {
        var (driveId, _) = await AnchorAsync(ct).ConfigureAwait(false);
        try
        {
            var session = await _client.Drives[driveId].Items[folderId].ItemWithPath(name)
                .CreateUploadSession.PostAsync(new CreateUploadSessionPostRequestBody
            {
                Item = new DriveItemUploadableProperties
                {
                    AdditionalData = new Dictionary<string, object> { ["@microsoft.graph.conflictBehavior"] = "fail" },
                },
            }, cancellationToken: ct).ConfigureAwait(false);
            return new Uri(session?.UploadUrl ?? throw GraphErrors.RequestFailed(what, 200, "no uploadUrl"));
        }
        catch (ODataError e) { throw Map(e, what); }
    }

    /// <summary>
    /// Stores a small NEW file in one request (simple upload, conflictBehavior fail): true when it was created, false
    /// when an item of that name already exists (409). Used for locks, which must never replace anything.
    /// </summary>
    public async Task<bool> TryCreateSmallFileAsync(string folderId, string name, byte[] content, string what, CancellationToken ct)
    {
        var (driveId, _) = await AnchorAsync(ct).ConfigureAwait(false);
        var builder = _client.Drives[driveId].Items[folderId].ItemWithPath(name).Content;
        using var body = new MemoryStream(content, writable: false);
        var url = builder.ToPutRequestInformation(body).URI + "?@microsoft.graph.conflictBehavior=fail";
        DriveItem? created;
        try
        {
            created = await builder.WithUrl(url).PutAsync(body, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (ODataError e) when (e.ResponseStatusCode == 409) { return false; }
        catch (ODataError e) { throw Map(e, what); }
        // OneDrive stored other bytes than were sent: write them again into the same item (still ours).
        if (!Matches(created, content) && !await ReplaceSmallFileAsync(created?.Id ?? "", content, what, ct).ConfigureAwait(false))
            throw GraphErrors.RequestFailed(what, 200, "the new item disappeared");
        return true;
    }

    // A small file (a lock) whose hash OneDrive did not report cannot be checked here; its reader parses and
    // compares the whole content anyway (RepositoryLock), so only a reported, different hash means damage.
    private static bool Matches(DriveItem? item, byte[] content) =>
        item?.File?.Hashes?.QuickXorHash is not { } hash || hash == Hashing.QuickXorHash.Compute(content);

    /// <summary>Replaces the content of the existing file <paramref name="itemId"/>; false when that item is gone (404).</summary>
    public async Task<bool> ReplaceSmallFileAsync(string itemId, byte[] content, string what, CancellationToken ct)
    {
        var (driveId, _) = await AnchorAsync(ct).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            using var body = new MemoryStream(content, writable: false);
            try
            {
                var item = await _client.Drives[driveId].Items[itemId].Content.PutAsync(body, cancellationToken: ct).ConfigureAwait(false);
                if (Matches(item, content)) return true;
                if (attempt == 3) throw GraphErrors.RequestFailed(what, 200, "the stored quickXorHash differs from the bytes sent");
            }
            catch (ODataError e) when (e.ResponseStatusCode == 404) { return false; }
            catch (ODataError e) { throw Map(e, what); }
        }
    }

    /// <summary>The item a folder id and name designate, or null (used after a lost acknowledgement of a last fragment).</summary>
    public async Task<DriveItemInfo?> GetChildAsync(string folderId, string name, CancellationToken ct)
    {
        var (driveId, _) = await AnchorAsync(ct).ConfigureAwait(false);
        try
        {
            var item = await _client.Drives[driveId].Items[folderId].ItemWithPath(name).GetAsync(cancellationToken: ct)
                .ConfigureAwait(false);
            return item is null ? null : DriveItemInfo.From(item);
        }
        catch (ODataError e) when (e.ResponseStatusCode == 404) { return null; }
        catch (ODataError e) { throw Map(e, $"reading {name}"); }
    }

    public async Task DeleteAsync(string itemId, string what, CancellationToken ct)
    {
        var (driveId, _) = await AnchorAsync(ct).ConfigureAwait(false);
        try { await _client.Drives[driveId].Items[itemId].DeleteAsync(cancellationToken: ct).ConfigureAwait(false); }
        catch (ODataError e) when (e.ResponseStatusCode == 404) { }
        catch (ODataError e) { throw Map(e, what); }
    }

    /// <summary>Drive id and the anchor folder's id (app folder, or the drive root in Drive mode), fetched once.</summary>
    private async Task<(string DriveId, string AnchorId)> AnchorAsync(CancellationToken ct)
    {
        if (_anchor is { } known) return known;
        await _anchorLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_anchor is { } again) return again;
            try
            {
                var drive = await _client.Me.Drive.GetAsync(cancellationToken: ct).ConfigureAwait(false);
                var driveId = drive?.Id ?? throw GraphErrors.RequestFailed("reading the drive", 200, "no id");
                var anchor = _scope == ScopeMode.AppFolder
                    ? await _client.Drives[driveId].Special["approot"].GetAsync(cancellationToken: ct).ConfigureAwait(false)
                    : await _client.Drives[driveId].Root.GetAsync(cancellationToken: ct).ConfigureAwait(false);
                _anchor = (driveId, anchor?.Id ?? throw GraphErrors.RequestFailed("reading the repository folder", 200, "no id"));
                return _anchor.Value;
            }
            catch (ODataError e) { throw Map(e, _scope == ScopeMode.AppFolder ? "opening the app folder" : "opening the drive"); }
        }
        finally
        {
            _anchorLock.Release();
        }
    }

    private static string Describe(string relativePath) => relativePath.Length == 0 ? "the repository folder" : relativePath;

    /// <summary>Turns a final Graph error into the user-facing failure.</summary>
    public static Errors.OffsiteException Map(ODataError e, string what)
    {
        var status = e.ResponseStatusCode;
        var code = e.Error?.Code;
        return status switch
        {
            507 => GraphErrors.QuotaExceeded(what),
            401 => AuthErrors.SignInRequired($"Microsoft Graph rejected the access token even after a refresh while {what}."),
            403 => GraphErrors.AccessDenied(what, HttpStatusCode.Forbidden),
            409 => GraphErrors.AlreadyExists(what),
            429 or 500 or 502 or 503 or 504 => GraphErrors.Unavailable(what, $"{status} {code}", e),
            _ => GraphErrors.RequestFailed(what, status, code),
        };
    }
}
