using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Engine.Repositories.Local;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Dedup;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Restore;
using OnedriveOffsite.Tests.Snapshots;

namespace OnedriveOffsite.Tests.Dedup;

/// <summary>Format v2 backups and restores on a real local repository, with small chunks and packs so tests are fast.</summary>
public sealed class DedupFixture : IDisposable
{
    public const int Average = 4096;
    public const int PackSize = 64 * 1024;
    public EngineFixture Engine { get; } = new();

    public LocalRepository Repository => Engine.Repository;

    public async Task<DedupBackupResult> BackupAsync(string path, string set = "set1", CompressionMode mode = CompressionMode.Auto) =>
        await new DedupBackupOperation(Repository, Engine.Key, PackSize, Average).RunAsync(new BackupRequest(path, set, Compression: mode), NullObserver.Instance, default);

    public Task<RestoreResult> RestoreAsync(SnapshotInfo s, string? destination = null) =>
        new DedupRestoreOperation(Repository, Engine.Key).RunAsync(new SnapshotLocation(s.Set, s.SnapshotId),
            destination ?? Path.Combine(Engine.OutDir, "restored.bin"), false, 4, NullObserver.Instance, default);

    public string SetDir(string set = "set1") => Path.Combine(Repository.Root, set);

    public string[] Packs(string set = "set1") => Directory.GetFiles(Path.Combine(SetDir(set), V2Layout.PacksFolder)).Order().ToArray();

    public void Dispose() => Engine.Dispose();
}
