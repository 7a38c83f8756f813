using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Dedup;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using Xunit;
using F = OnedriveOffsite.Tests.Snapshots.EngineFixture;

namespace OnedriveOffsite.Tests.Dedup;

/// <summary>
/// A format 2 run writes an index file every <see cref="DedupBackupOperation.CheckpointPacks"/> packs, so a run that
/// dies mid-way leaves packs a later backup reuses instead of uploading them again (docs/FORMAT.md §9.9).
/// </summary>
public sealed class DedupCheckpointTests : IDisposable
{
    private readonly DedupFixture _f = new();
    private readonly byte[] _content = F.Random(1 << 20, seed: 21); // incompressible: ~16 packs of 64 KiB

    private Task<DedupBackupResult> BackupAsync(ISnapshotRepository repository, string source, int checkpointPacks = 4) =>
        new DedupBackupOperation(repository, _f.Engine.Key, DedupFixture.PackSize, DedupFixture.Average) { CheckpointPacks = checkpointPacks }
            .RunAsync(new BackupRequest(source, "set1", Compression: CompressionMode.Auto, ThrottleLimit: 2), NullObserver.Instance, default);

    private string[] IndexFiles() => Directory.GetFiles(Path.Combine(_f.SetDir(), V2Layout.IndexFolder));

    [Fact]
    public async Task An_uninterrupted_run_writes_an_index_file_per_checkpoint_and_its_manifest_counts_every_pack()
    {
        var source = _f.Engine.WriteSource("a.bin", _content);
        var result = await BackupAsync(_f.Repository, source);

        var packs = _f.Packs().Length;
        Assert.True(packs >= 12, $"{packs} packs");
        Assert.Equal((packs + 3) / 4, IndexFiles().Length); // one per 4 packs, the last for the rest
        Assert.Equal(packs, result.Manifest.Added.Packs);
        Assert.Equal(_f.Packs().Sum(p => new FileInfo(p).Length), result.Manifest.Added.StoredBytes);
        var index = await V2Store.LoadIndexAsync(_f.Repository, _f.Engine.Key, "set1", default);
        Assert.Equal(result.Manifest.Added.Chunks, index.ChunkCount);
        await _f.RestoreAsync(result.Snapshot);
        Assert.Equal(_content, File.ReadAllBytes(Path.Combine(_f.Engine.OutDir, "restored.bin")));
    }

    [Fact]
    public async Task A_run_killed_after_a_checkpoint_leaves_packs_the_next_backup_reuses_instead_of_uploading_again()
    {
        var source = _f.Engine.WriteSource("a.bin", _content);
        // The 11th pack upload fails as a killed process would stop: packs 1-8 are listed by two index files.
        var killed = new FailingPackStore(_f.Repository, failAt: 11);
        await Assert.ThrowsAsync<IOException>(() => BackupAsync(killed, source));
        Assert.Equal(2, IndexFiles().Length);
        Assert.Empty(Directory.GetDirectories(_f.SetDir()).Where(d => File.Exists(Path.Combine(d, "manifest.oom"))));

        var rerun = new FailingPackStore(_f.Repository, failAt: int.MaxValue);
        var result = await BackupAsync(rerun, source);

        var packs = _f.Packs().Length;
        Assert.True(rerun.PacksStored <= packs - 8, $"the rerun stored {rerun.PacksStored} of {packs} packs; the 8 checkpointed ones must be reused");
        Assert.Equal(rerun.PacksStored, result.Manifest.Added.Packs);
        await _f.RestoreAsync(result.Snapshot);
        Assert.Equal(_content, File.ReadAllBytes(Path.Combine(_f.Engine.OutDir, "restored.bin")));
    }

    public void Dispose() => _f.Dispose();

    /// <summary>Counts pack files created; the <c>failAt</c>-th creation throws (a process that stops there).</summary>
    private sealed class FailingPackStore(ISnapshotRepository inner, int failAt) : PassThroughRepository(inner)
    {
        private int _packs;

        public int PacksStored => _packs;

        public override Task<IPartSink> CreateFileAsync(SnapshotLocation snapshot, string name, long? knownLength, CancellationToken ct)
        {
            if (name.EndsWith(V2Layout.PackExtension, StringComparison.Ordinal) && Interlocked.Increment(ref _packs) >= failAt)
                throw new IOException($"simulated kill at pack {failAt}");
            return base.CreateFileAsync(snapshot, name, knownLength, ct);
        }
    }
}
