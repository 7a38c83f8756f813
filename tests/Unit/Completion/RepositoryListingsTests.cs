using OnedriveOffsite.Engine.Completion;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Repositories;
using Xunit;

namespace OnedriveOffsite.Tests.Completion;

/// <summary>
/// The listings behind tab completion (issue 14 item 4): bounded wait, background fill, cache for OneDrive only,
/// failures complete nothing. Time is an injected clock; waiting is on events, never on sleeps.
/// </summary>
public sealed class RepositoryListingsTests
{
    private static readonly ConfigHome Home = new(Path.Combine(Path.GetTempPath(), "oo-listing-home"));
    private static readonly RepositoryListings.Target OneDrive = new(Home, "onedrive:/pester");
    private DateTime _now = new(2026, 12, 1, 2, 30, 0, DateTimeKind.Utc);

    private RepositoryListings Listings(ListingRepository repository, TimeSpan? wait = null) =>
        new(_ => repository, wait ?? TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), () => _now);

    [Fact]
    public void Sets_are_listed_sorted_and_only_valid_set_names()
    {
        var repository = new ListingRepository("pve-102", "pve-101", "not a set", ".lock");
        Assert.Equal(["pve-101", "pve-102"], Listings(repository).Sets(OneDrive));
    }

    [Fact]
    public void A_slow_listing_completes_nothing_after_the_wait_and_fills_the_cache_when_it_ends()
    {
        var repository = new ListingRepository("pve-101") { Gate = new TaskCompletionSource() };
        var listings = Listings(repository, TimeSpan.FromMilliseconds(200));

        Assert.Empty(listings.Sets(OneDrive)); // returns after the wait, the listing still runs
        repository.Gate.SetResult();
        // Each later Tab waits on the same running listing (never a second one) until it has ended.
        IReadOnlyList<string> sets = [];
        for (var tab = 0; tab < 150 && sets.Count == 0; tab++) sets = listings.Sets(OneDrive);

        Assert.Equal(["pve-101"], sets);
        Assert.Equal(1, repository.SetListings); // later Tabs used the background result
    }

    [Fact]
    public void OneDrive_listings_are_cached_for_the_lifetime_then_listed_again()
    {
        var repository = new ListingRepository("pve-101");
        var listings = Listings(repository);
        Assert.Single(listings.Sets(OneDrive));
        repository.Sets.Add("pve-102");

        _now += TimeSpan.FromMinutes(1);
        Assert.Equal(["pve-101"], listings.Sets(OneDrive));
        Assert.Equal(1, repository.SetListings);

        _now += TimeSpan.FromMinutes(1);
        Assert.Equal(["pve-101", "pve-102"], listings.Sets(OneDrive));
        Assert.Equal(2, repository.SetListings);
    }

    [Fact]
    public void Local_directories_are_listed_afresh_every_time()
    {
        var repository = new ListingRepository("pve-101");
        var listings = Listings(repository);
        var local = new RepositoryListings.Target(Home, Path.Combine(Path.GetTempPath(), "some-nas"));
        listings.Sets(local);
        listings.Sets(local);
        Assert.Equal(2, repository.SetListings);
    }

    [Fact]
    public void A_failing_repository_completes_nothing_and_never_throws()
    {
        var listings = new RepositoryListings(_ => throw new Engine.Errors.OffsiteException("NotConnected", Engine.Errors.OffsiteErrorCategory.AuthenticationError, "nobody signed in"),
            TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), () => _now);
        Assert.Empty(listings.Sets(OneDrive));
        Assert.Empty(listings.Snapshots(OneDrive, "pve-101"));
    }

    [Fact]
    public void Snapshots_come_newest_first_with_set_time_and_state()
    {
        var repository = new ListingRepository("pve-101", "pve-102");
        repository.Snapshots["pve-101"] = [("20261120T010000000Z-aaaaaaaa", true), ("20261121T010000000Z-bbbbbbbb", false)];
        repository.Snapshots["pve-102"] = [("20261122T010000000Z-cccccccc", true)];
        var listings = Listings(repository);

        var all = listings.Snapshots(OneDrive, null);
        Assert.Equal(["20261122T010000000Z-cccccccc", "20261121T010000000Z-bbbbbbbb", "20261120T010000000Z-aaaaaaaa"], all.Select(s => s.SnapshotId));
        Assert.Equal(("pve-101", false, new DateTime(2026, 11, 21, 1, 0, 0, DateTimeKind.Utc)), (all[1].Set, all[1].Complete, all[1].CreatedUtc));

        Assert.Equal(2, listings.Snapshots(OneDrive, "pve-101").Count);
        Assert.Empty(listings.Snapshots(OneDrive, "../escape")); // never listed: not a set name
    }

    /// <summary>Only listings; everything else is not needed by completion and fails loudly.</summary>
    private sealed class ListingRepository(params string[] sets) : ISnapshotRepository
    {
        private int _setListings;
        public List<string> Sets { get; } = [.. sets];
        public Dictionary<string, (string Id, bool Complete)[]> Snapshots { get; } = new();
        public TaskCompletionSource? Gate { get; init; }
        public int SetListings => Volatile.Read(ref _setListings);
        public string Description => "listing fake";

        public async Task<IReadOnlyList<string>> ListSetsAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref _setListings);
            if (Gate is not null) await Gate.Task.WaitAsync(ct);
            return Sets.ToList();
        }

        public Task<IReadOnlyList<StoredSnapshotFolder>> ListSnapshotsAsync(string set, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<StoredSnapshotFolder>>((Snapshots.GetValueOrDefault(set) ?? [])
                .Select(s => new StoredSnapshotFolder(new SnapshotLocation(set, s.Id), s.Complete, Array.Empty<StoredFile>())).ToList());

        public Task<IPartSink> CreateFileAsync(SnapshotLocation snapshot, string name, long? knownLength, CancellationToken ct) => throw new NotSupportedException();
        public Task<Stream> OpenReadAsync(SnapshotLocation snapshot, string name, CancellationToken ct) => throw new NotSupportedException();
        public Task WriteManifestAsync(SnapshotLocation snapshot, byte[] manifest, CancellationToken ct) => throw new NotSupportedException();
        public Task<byte[]?> ReadManifestAsync(SnapshotLocation snapshot, CancellationToken ct) => throw new NotSupportedException();
        public Task DeleteFileAsync(SnapshotLocation snapshot, string name, CancellationToken ct) => throw new NotSupportedException();
        public Task DeleteSnapshotAsync(SnapshotLocation snapshot, CancellationToken ct) => throw new NotSupportedException();
        public Task<bool> TryCreateLockAsync(string? scope, byte[] content, CancellationToken ct) => throw new NotSupportedException();
        public Task<byte[]?> ReadLockAsync(string? scope, CancellationToken ct) => throw new NotSupportedException();
        public Task<bool> ReplaceLockAsync(string? scope, byte[] expected, byte[] content, CancellationToken ct) => throw new NotSupportedException();
        public Task<bool> DeleteLockAsync(string? scope, byte[] expected, CancellationToken ct) => throw new NotSupportedException();
    }
}
