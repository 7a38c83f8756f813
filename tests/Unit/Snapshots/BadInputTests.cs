using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.IO;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories.Local;
using OnedriveOffsite.Engine.Repositories;
using Xunit;
using F = OnedriveOffsite.Tests.Snapshots.EngineFixture;

namespace OnedriveOffsite.Tests.Snapshots;

/// <summary>Bad input gets a specific error and changes nothing.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly F _f = new();

    private async Task<OffsiteException> BackupFails(BackupRequest request)
    {
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => new BackupOperation(_f.Repository, _f.Key).RunAsync(request, NullObserver.Instance, default));
        Assert.Empty(Directory.GetFileSystemEntries(_f.Repository.Root));
        return ex;
    }

    [Fact]
    public async Task Missing_source() =>
        Assert.Equal("SourceNotFound", (await BackupFails(new BackupRequest(Path.Combine(_f.Root, "nope.bin"), "s"))).ErrorId);

    [Fact]
    public async Task Directory_as_source() =>
        Assert.Equal("SourceIsDirectory", (await BackupFails(new BackupRequest(_f.Root, "s"))).ErrorId);

    [Theory]
    [InlineData("")]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("ends.")]
    [InlineData("has space")]
    [InlineData("-starts-with-dash")]
    public async Task Invalid_set_names(string name) =>
        Assert.Equal("InvalidSetName", (await BackupFails(new BackupRequest(_f.WriteSource("x", new byte[10]), name))).ErrorId);

    [Fact]
    public async Task Part_size_out_of_range() =>
        Assert.Equal("InvalidPartSize", (await BackupFails(new BackupRequest(_f.WriteSource("x", new byte[10]), "s", PartSize: 1000))).ErrorId);

    [Fact]
    public async Task Existing_destination_without_overwrite_is_kept()
    {
        var s = await _f.BackupAsync(_f.WriteSource("a.bin", F.Random(1000)));
        var dest = Path.Combine(_f.OutDir, "a.bin");
        await File.WriteAllTextAsync(dest, "keep me");
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => _f.RestoreAsync(s, _f.OutDir));
        Assert.Equal("DestinationExists", ex.ErrorId);
        Assert.Equal("keep me", await File.ReadAllTextAsync(dest));
        Assert.Single(_f.OutputFiles());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]   // parts stored in file order, the source read once (a local repository)
    public async Task A_source_that_changes_during_the_backup_makes_no_snapshot(bool inFileOrder)
    {
        var source = _f.WriteSource("growing.bin", F.Random(600_000));
        var repository = new ChangingSourceRepository(_f.Repository, source, inFileOrder);
        var ex = await Assert.ThrowsAsync<OffsiteException>(() =>
            new BackupOperation(repository, _f.Key).RunAsync(new BackupRequest(source, "s", F.Part, SegmentSize: F.Segment), NullObserver.Instance, default));
        Assert.Equal("SourceChanged", ex.ErrorId);
        var snapshots = await _f.Repository.ListSnapshotsAsync("s", default);
        Assert.All(snapshots, s => Assert.False(s.HasManifest));
        Assert.Empty(snapshots); // no incomplete snapshot is left behind either (issue 13 item 6)
    }

    [Fact]
    public void Missing_key_file()
    {
        var store = new KeyStore(new ConfigHome(Path.Combine(_f.Root, "home")));
        Assert.Equal("KeyNotFound", Assert.Throws<OffsiteException>(() => store.Load()).ErrorId);
    }

    [Fact]
    public void A_missing_repository_directory_is_not_created()
    {
        var path = Path.Combine(_f.Root, "not-mounted");
        Assert.Equal("RepositoryNotFound", Assert.Throws<OffsiteException>(() => new LocalRepository(path)).ErrorId);
        Assert.False(Directory.Exists(path));
    }

    public void Dispose() => _f.Dispose();

    /// <summary>Appends to the source as soon as the first part starts: a writer still busy with the file.</summary>
    private sealed class ChangingSourceRepository(ISnapshotRepository inner, string source, bool inFileOrder) : ISnapshotRepository
    {
        public bool StoresPartsFastestInFileOrder => inFileOrder;
        public string Description => inner.Description;
        public Task<IReadOnlyList<string>> ListSetsAsync(CancellationToken ct) => inner.ListSetsAsync(ct);
        public Task<IReadOnlyList<StoredSnapshotFolder>> ListSnapshotsAsync(string set, CancellationToken ct) => inner.ListSnapshotsAsync(set, ct);
        public Task<IPartSink> CreateFileAsync(SnapshotLocation snapshot, string name, long? knownLength, CancellationToken ct)
        {
            using (var fs = new FileStream(source, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) fs.WriteByte(1);
            return inner.CreateFileAsync(snapshot, name, knownLength, ct);
        }
        public Task<Stream> OpenReadAsync(SnapshotLocation snapshot, string name, CancellationToken ct) => inner.OpenReadAsync(snapshot, name, ct);
        public Task WriteManifestAsync(SnapshotLocation snapshot, byte[] manifest, CancellationToken ct) => inner.WriteManifestAsync(snapshot, manifest, ct);
        public Task<byte[]?> ReadManifestAsync(SnapshotLocation snapshot, CancellationToken ct) => inner.ReadManifestAsync(snapshot, ct);
        public Task DeleteSnapshotAsync(SnapshotLocation snapshot, CancellationToken ct) => inner.DeleteSnapshotAsync(snapshot, ct);
        public Task<bool> TryCreateLockAsync(string? scope, byte[] content, CancellationToken ct) => inner.TryCreateLockAsync(scope, content, ct);
        public Task<byte[]?> ReadLockAsync(string? scope, CancellationToken ct) => inner.ReadLockAsync(scope, ct);
        public Task<bool> ReplaceLockAsync(string? scope, byte[] expected, byte[] content, CancellationToken ct) => inner.ReplaceLockAsync(scope, expected, content, ct);
        public Task<bool> DeleteLockAsync(string? scope, byte[] expected, CancellationToken ct) => inner.DeleteLockAsync(scope, expected, ct);
        public Task DeleteFileAsync(SnapshotLocation snapshot, string name, CancellationToken ct) => inner.DeleteFileAsync(snapshot, name, ct);
    }
}
