using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories.Local;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Restore;
using OnedriveOffsite.Engine.Snapshots;

namespace OnedriveOffsite.Tests.Snapshots;

/// <summary>A temp directory with a local repository, a key, and helpers to back up and restore real files.</summary>
public sealed class EngineFixture : IDisposable
{
    public const int Segment = 64 * 1024;
    public const long Part = 3 * Segment;

    public EngineFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "oo-unit-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(Root, "repo"));
        Directory.CreateDirectory(Path.Combine(Root, "src"));
        Directory.CreateDirectory(Path.Combine(Root, "out"));
        Repository = new LocalRepository(Path.Combine(Root, "repo"));
    }

    public string Root { get; }
    public LocalRepository Repository { get; }
    public MasterKey Key { get; } = MasterKey.Generate();
    public string OutDir => Path.Combine(Root, "out");

    public string WriteSource(string name, byte[] content)
    {
        var path = Path.Combine(Root, "src", name);
        File.WriteAllBytes(path, content);
        return path;
    }

    public async Task<SnapshotInfo> BackupAsync(string path, string set = "set1", long partSize = Part, CompressionMode mode = CompressionMode.Auto, int throttle = 4, MasterKey? key = null) =>
        (await new BackupOperation(Repository, key ?? Key).RunAsync(new BackupRequest(path, set, partSize, mode, throttle, Segment), NullObserver.Instance, default)).Snapshot;

    public Task<RestoreResult> RestoreAsync(SnapshotInfo snapshot, string? destination = null, MasterKey? key = null, bool overwrite = false) =>
        new RestoreOperation(Repository, key ?? Key).RunAsync(new SnapshotLocation(snapshot.Set, snapshot.SnapshotId),
            destination ?? Path.Combine(OutDir, "restored.bin"), overwrite, 4, NullObserver.Instance, default);

    public string SnapshotDir(SnapshotInfo s) => Path.Combine(Repository.Root, s.Set, s.SnapshotId);

    public static byte[] Random(int length, int seed = 1)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    public static byte[] Text(int length)
    {
        var line = System.Text.Encoding.UTF8.GetBytes("2026-11-26 01:00:00 INFO vzdump: backup of VM 101 finished, größe ok\n");
        var b = new byte[length];
        for (var i = 0; i < length; i++) b[i] = line[i % line.Length];
        return b;
    }

    /// <summary>Files left in the output directory (restores must leave none on failure, temp files included).</summary>
    public string[] OutputFiles() => Directory.GetFiles(OutDir, "*", SearchOption.AllDirectories)
        .Concat(Directory.GetFiles(OutDir, ".*", SearchOption.AllDirectories)).Distinct().ToArray();

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
