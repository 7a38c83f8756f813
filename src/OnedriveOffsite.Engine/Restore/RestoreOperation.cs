using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Hashing;
using OnedriveOffsite.Engine.IO;
using OnedriveOffsite.Engine.Pipeline;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Snapshots;

namespace OnedriveOffsite.Engine.Restore;

public sealed record RestoreResult(string Path, long Length, string Sha256, SnapshotInfo Snapshot, TimeSpan Duration)
{
    public double BytesPerSecond => Duration.TotalSeconds <= 0 ? 0 : Length / Duration.TotalSeconds;
}

/// <summary>
/// Restores a snapshot to a file: manifest first (wrong key is reported before any part is read), parts in
/// parallel into a hidden temp file, every part's hash and the whole-file SHA-256 verified, and only then the file
/// gets its final name. On any failure nothing is left under the destination name.
/// </summary>
public sealed class RestoreOperation
{
    private readonly ISnapshotRepository _repository;
    private readonly MasterKey _key;

    public RestoreOperation(ISnapshotRepository repository, MasterKey key)
    {
        _repository = repository;
        _key = key;
    }

    /// <summary>Free bytes on a directory's volume (null: unknown), checked before the restore writes; tests simulate a small volume with it.</summary>
    public Func<string, long?> FreeSpaceProbe { get; init; } = IO.DestinationSpace.Available;

    /// <summary>Reads and decrypts a snapshot's manifest and checks that it belongs where it was found (<see cref="SnapshotPlacement"/>) and that its part list covers the source exactly.</summary>
    public Task<SnapshotManifest> ReadManifestAsync(SnapshotLocation location, CancellationToken ct) =>
        new ManifestReader(_repository, _key).ReadAsync(location, ct);

    /// <summary>Where the file will go: into <paramref name="destination"/> when it is a directory, else that path.</summary>
    public static string ResolveDestination(string destination, SnapshotManifest manifest) =>
        Directory.Exists(destination) ? Path.Combine(destination, RestoredFileName.For(manifest.Source.Name, OperatingSystem.IsWindows())) : Path.GetFullPath(destination);

    public async Task<RestoreResult> RunAsync(SnapshotLocation location, string destination, bool overwrite, int throttleLimit, IOperationObserver observer, CancellationToken ct)
    {
        var manifest = await ReadManifestAsync(location, ct).ConfigureAwait(false);
        var target = ResolveDestination(destination, manifest);
        ThreadPoolSizing.EnsureFor(throttleLimit);
        using var pending = PendingFile.Create(target, overwrite, manifest.Source.Length, FreeSpaceProbe);
        observer.Verbose($"Restoring {location.Set}/{location.Snapshot} ('{manifest.Source.Name}', {manifest.Source.Length} bytes, {manifest.Parts.Count} part(s)) from {_repository.Description} to '{target}' via '{pending.TempPath}'.");
        pending.Stream.SetLength(manifest.Source.Length);
        var handle = pending.Stream.SafeFileHandle;
        var progress = new TransferProgress(observer, ActivityText.Restore(manifest.Source.Name, location.Set), manifest.Parts.Select(p => p.Length).ToList());
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var hasher = new TrailingHasher(handle, manifest.Parts.Select(p => (p.Offset, p.Length)).ToList());
        var hashing = hasher.RunAsync(cts.Token);
        var context = new PartRestoreContext(_key, manifest, Convert.FromHexString(manifest.SnapshotId), _repository, location, handle, hasher, progress);
        try
        {
            await Parallel.ForEachAsync(manifest.Parts, new ParallelOptions { MaxDegreeOfParallelism = throttleLimit, CancellationToken = cts.Token },
                (entry, token) => new ValueTask(PartRestore.RunAsync(context, entry, token))).ConfigureAwait(false);
        }
        catch
        {
            cts.Cancel();
            try { await hashing.ConfigureAwait(false); } catch (OperationCanceledException) { }
            throw;
        }
        progress.Finishing("verifying the SHA-256");
        var sha256 = Convert.ToHexString(await hashing.ConfigureAwait(false)).ToLowerInvariant();
        if (sha256 != manifest.Source.Sha256)
            throw new OffsiteException(ErrorIds.Snapshots.SourceHashMismatch, OffsiteErrorCategory.InvalidData,
                $"The restored data's SHA-256 {sha256} differs from the original's {manifest.Source.Sha256}; the file was not written.", location.Snapshot);
        pending.Commit(overwrite, manifest.Source.LastWriteTimeUtc);
        progress.Complete();
        observer.Verbose($"Restored '{target}': {manifest.Source.Length} bytes, SHA-256 {sha256} verified, every part authenticated.");
        return new RestoreResult(target, manifest.Source.Length, sha256,
            SnapshotCatalog.Describe(_repository, location, manifest, _key.KeyId), progress.Elapsed);
    }
}
