using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Tests.Legacy;
using Xunit;
using F = OnedriveOffsite.Tests.Snapshots.EngineFixture;

namespace OnedriveOffsite.Tests.Snapshots;

/// <summary>
/// The manifest's size is capped before it is read: a planted giant manifest.oom is refused from its stored size
/// alone. Runs in the collection that runs alone, so the bytes the process allocates are ours to measure.
/// </summary>
[Collection(nameof(ProcessMemoryCollection))]
public sealed class ManifestSizeTests : IDisposable
{
    private const long MiB = 1 << 20;
    private readonly F _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task Local_manifest_over_the_cap_is_refused_without_reading_it()
    {
        var s = await _f.BackupAsync(_f.WriteSource("a.bin", F.Random(1000)));
        var manifest = Path.Combine(_f.SnapshotDir(s), SnapshotFiles.ManifestName);
        using (var fs = new FileStream(manifest, FileMode.Open, FileAccess.Write)) fs.SetLength(ManifestCodec.MaxSize + 1L); // sparse: no disk

        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var e = await Assert.ThrowsAsync<OffsiteException>(() => _f.RestoreAsync(s));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal("ManifestCorrupt", e.ErrorId);
        Assert.Contains("was not read", e.Message);
        Assert.True(allocated < 8 * MiB, $"refusing the manifest allocated {allocated / MiB} MiB");
        Assert.Empty(_f.OutputFiles());
        // Listing shows the snapshot with the reason instead of failing.
        var listed = await new SnapshotCatalog(_f.Repository, _f.Key).ListAsync(s.Set, default);
        Assert.Contains(listed, i => i.SnapshotId == s.SnapshotId && i.Note is { } n && n.Contains("was not read"));
    }

    [Fact]
    public void A_backup_that_would_need_more_parts_than_a_manifest_holds_is_refused_up_front()
    {
        var source = Path.Combine(_f.Root, "src", "huge.bin");
        using (var fs = File.Create(source)) fs.SetLength((ManifestCodec.MaxParts + 1L) * BackupRequest.MinPartSize); // sparse
        var e = Assert.Throws<OffsiteException>(() => BackupOperation.Validate(new BackupRequest(source, "s", BackupRequest.MinPartSize)));
        Assert.Equal("InvalidPartSize", e.ErrorId);
        BackupOperation.Validate(new BackupRequest(source, "s", 2 * BackupRequest.MinPartSize)); // twice the part size is fine
    }
}
