using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Hashing;
using OnedriveOffsite.Engine.Pipeline;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Snapshots;

namespace OnedriveOffsite.Engine.Restore;

/// <summary>How thoroughly <see cref="SnapshotVerifier"/> checks.</summary>
public enum VerificationDepth
{
    /// <summary>The manifest decrypts and every part is stored at its recorded size (and OneDrive hash, where known).</summary>
    Quick,
    /// <summary>
    /// Every part is read, authenticated and decoded, and the SHA-256 of the reassembled stream is compared with the
    /// manifest's whole-file hash (parts' own hashes too, where an older manifest has them); nothing is written.
    /// </summary>
    Full,
    /// <summary>Format 2: as Quick, plus a random sample of the packs read whole and checked against their recorded hash.</summary>
    Sampled,
}

public sealed record VerificationResult(SnapshotLocation Location, VerificationDepth Depth, int PartCount, long StoredLength, IReadOnlyList<string> Problems)
{
    public bool Passed => Problems.Count == 0;
}

/// <summary>Checks a stored snapshot without restoring it.</summary>
public sealed class SnapshotVerifier
{
    private readonly ISnapshotRepository _repository;
    private readonly MasterKey _key;

    public SnapshotVerifier(ISnapshotRepository repository, MasterKey key)
    {
        _repository = repository;
        _key = key;
    }

    public async Task<VerificationResult> VerifyAsync(SnapshotLocation location, VerificationDepth depth, int throttleLimit, IOperationObserver observer, CancellationToken ct)
    {
        var manifest = await new ManifestReader(_repository, _key).ReadAsync(location, ct).ConfigureAwait(false);
        var problems = new List<string>();
        var folder = (await _repository.ListSnapshotsAsync(location.Set, ct).ConfigureAwait(false)).First(f => f.Location == location);
        var stored = folder.Files.ToDictionary(f => f.Name);
        foreach (var part in manifest.Parts)
        {
            if (!stored.TryGetValue(part.File, out var file)) problems.Add($"{part.File} is missing.");
            else if (file.Length != part.StoredLength) problems.Add($"{part.File} holds {file.Length} bytes, the manifest records {part.StoredLength}.");
            else if (file.Checksum is { } actual && StoredChecksum.FromManifest(part.StoredQuickXorHash) is { } recorded && actual.Algorithm == recorded.Algorithm && actual.Value != recorded.Value)
                problems.Add($"{part.File} has {actual.Algorithm} {actual.Value}, the manifest records {recorded.Value}.");
        }
        if (depth == VerificationDepth.Full && problems.Count == 0)
        {
            ThreadPoolSizing.EnsureFor(throttleLimit);
            var progress = new TransferProgress(observer, ActivityText.Verify(location.Set, location.Snapshot), manifest.Parts.Select(p => p.Length).ToList());
            using var stream = new OrderedStreamHasher(manifest.Parts.Select(p => p.Length).ToList());
            var context = new PartRestoreContext(_key, manifest, Convert.FromHexString(manifest.SnapshotId), _repository, location, null, null, progress, stream);
            await Parallel.ForEachAsync(manifest.Parts, new ParallelOptions { MaxDegreeOfParallelism = throttleLimit, CancellationToken = ct }, async (entry, token) =>
            {
                try { await PartRestore.RunAsync(context, entry, token).ConfigureAwait(false); }
                catch (Errors.OffsiteException ex)
                {
                    lock (problems) problems.Add(ex.Message);
                    stream.Abandon(); // later parts must not wait for this one's bytes
                }
            }).ConfigureAwait(false);
            if (problems.Count == 0)
            {
                var sha256 = Convert.ToHexString(stream.GetHash()).ToLowerInvariant();
                if (sha256 != manifest.Source.Sha256)
                    problems.Add($"SourceHashMismatch: every part decrypted, but the SHA-256 of the reassembled data {sha256} differs from the original's {manifest.Source.Sha256}: this snapshot does not restore.");
            }
            progress.Complete();
        }
        observer.Verbose(problems.Count == 0
            ? $"Snapshot {location.Set}/{location.Snapshot} verified ({depth}): {manifest.Parts.Count} part(s) intact{(depth == VerificationDepth.Full ? ", the reassembled data's SHA-256 equals the original's" : "")}."
            : $"Snapshot {location.Set}/{location.Snapshot} failed verification ({depth}): {string.Join(" ", problems)}");
        return new VerificationResult(location, depth, manifest.Parts.Count, manifest.Parts.Sum(p => p.StoredLength), problems);
    }
}
