using System.Collections.Concurrent;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Completion;

/// <summary>A snapshot as tab completion shows it: its id, set, creation time and whether it is complete.</summary>
public sealed record SnapshotEntry(string Set, string SnapshotId, DateTime CreatedUtc, bool Complete);

/// <summary>
/// Listings for argument completers (-Name, -SnapshotId, -Repository), like the Az and Microsoft.Graph modules
/// do it: a completer must never throw, hang the shell or ask for a sign-in. So a listing runs in the background
/// with the stored sign-in only (silent token refresh, no observer that could prompt), the completer waits at most
/// <see cref="Wait"/> for it and otherwise shows nothing; a listing that finishes later fills the cache, so the
/// next Tab has it. Repositories other than local paths (OneDrive) are cached for <see cref="CacheLifetime"/>;
/// local directories are listed afresh each time (cheap, and a hung NAS mount only costs the wait).
/// Failures (not signed in, no app, no such directory) complete nothing and are remembered briefly.
/// </summary>
public sealed class RepositoryListings
{
    /// <summary>What a listing needs: the config home and the -Repository value (a local path already made full).</summary>
    public sealed record Target(ConfigHome Home, string Repository);

    private static readonly TimeSpan FailureLifetime = TimeSpan.FromSeconds(15);
    /// <summary>A background listing is abandoned after this, so nothing lingers for long after a Tab.</summary>
    private static readonly TimeSpan BackgroundLimit = TimeSpan.FromSeconds(30);

    private readonly Func<Target, ISnapshotRepository> _open;
    private readonly Func<DateTime> _clock;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public RepositoryListings(Func<Target, ISnapshotRepository> open, TimeSpan wait, TimeSpan cacheLifetime, Func<DateTime>? clock = null)
    {
        _open = open;
        Wait = wait;
        CacheLifetime = cacheLifetime;
        _clock = clock ?? (() => DateTime.UtcNow);
    }

    /// <summary>The one the module's completers use: 3 s wait, 2 minutes cache for OneDrive.</summary>
    public static RepositoryListings Shared { get; } = new(
        t => RepositoryRegistry.Open(new RepositoryOpenRequest(t.Home, t.Repository, NullObserver.Instance)),
        TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(2));

    public TimeSpan Wait { get; }
    public TimeSpan CacheLifetime { get; }

    /// <summary>The valid set names in the repository, sorted; empty when they cannot be had in time.</summary>
    public IReadOnlyList<string> Sets(Target target) =>
        Get(target, "sets", async (repository, ct) => (object)(await repository.ListSetsAsync(ct).ConfigureAwait(false))
            .Where(IsSetName).Order(StringComparer.OrdinalIgnoreCase).ToList()) as IReadOnlyList<string> ?? Array.Empty<string>();

    /// <summary>The snapshots of <paramref name="set"/> (of every set when null), newest first; empty when they cannot be had in time.</summary>
    public IReadOnlyList<SnapshotEntry> Snapshots(Target target, string? set)
    {
        if (set is not null && !IsSetName(set)) return Array.Empty<SnapshotEntry>();
        return Get(target, "snapshots|" + set, async (repository, ct) =>
        {
            var sets = set is null ? (await repository.ListSetsAsync(ct).ConfigureAwait(false)).Where(IsSetName).ToList() : new List<string> { set };
            var result = new List<SnapshotEntry>();
            foreach (var s in sets)
                foreach (var folder in await repository.ListSnapshotsAsync(s, ct).ConfigureAwait(false))
                {
                    SnapshotFiles.TryParseSnapshotFolder(folder.Location.Snapshot, out var created);
                    result.Add(new SnapshotEntry(folder.Location.Set, folder.Location.Snapshot, created, folder.HasManifest));
                }
            return (object)result.OrderByDescending(e => e.CreatedUtc).ThenBy(e => e.Set, StringComparer.Ordinal).ToList();
        }) as IReadOnlyList<SnapshotEntry> ?? Array.Empty<SnapshotEntry>();
    }

    /// <summary>Forgets every cached listing (tests; after a backup a fresh listing is wanted anyway within minutes).</summary>
    public void Clear() => _entries.Clear();

    private object? Get(Target target, string what, Func<ISnapshotRepository, CancellationToken, Task<object>> list)
    {
        var cached = !RepositoryRegistry.IsPath(target.Repository);
        var key = $"{target.Home.Path}\n{target.Repository}\n{what}";
        var now = _clock();
        if (!cached || !_entries.TryGetValue(key, out var entry) || entry.IsStale(now))
        {
            var fresh = new Entry(Start(target, list), now, cached ? CacheLifetime : TimeSpan.Zero);
            entry = cached ? _entries.AddOrUpdate(key, fresh, (_, old) => old.IsStale(now) ? fresh : old) : fresh;
        }
        try
        {
            return entry.Listing.Wait(Wait) && entry.Listing.IsCompletedSuccessfully ? entry.Listing.Result : null;
        }
        catch (AggregateException)
        {
            return null; // the failure was the listing's own (not signed in, missing directory, network): nothing to complete
        }
    }

    private Task<object> Start(Target target, Func<ISnapshotRepository, CancellationToken, Task<object>> list)
    {
        var listing = Task.Run(async () =>
        {
            using var limit = new CancellationTokenSource(BackgroundLimit);
            var repository = _open(target);
            try { return await list(repository, limit.Token).ConfigureAwait(false); }
            finally { (repository as IDisposable)?.Dispose(); }
        });
        // Observed here, so a failure nobody waited for does not surface as an unobserved task exception.
        listing.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return listing;
    }

    private static bool IsSetName(string name)
    {
        try { SetName.Validate(name); return true; }
        catch (Errors.OffsiteException) { return false; }
    }

    private sealed record Entry(Task<object> Listing, DateTime Started, TimeSpan Lifetime)
    {
        /// <summary>A failed listing is kept only briefly; a running one is never stale (no second listing meanwhile).</summary>
        public bool IsStale(DateTime now) =>
            Listing.IsCompleted && now - Started >= (Listing.IsCompletedSuccessfully ? Lifetime : TimeSpan.FromTicks(Math.Min(Lifetime.Ticks, FailureLifetime.Ticks)));
    }
}
