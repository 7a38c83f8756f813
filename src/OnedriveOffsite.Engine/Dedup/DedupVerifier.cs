using System.Security.Cryptography;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Restore;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// Test-OffsiteBackup for format v2: Quick checks that every pack the snapshot needs is stored with its recorded
/// size; Sampled also reads a random share of those packs whole and compares their BLAKE3 with the index (like
/// restic's --read-data-subset); Full reads, authenticates and decodes every chunk and checks the whole-file SHA-256.
/// </summary>
public sealed class DedupVerifier
{
    private readonly ISnapshotRepository _repository;
    private readonly MasterKey _key;

    public DedupVerifier(ISnapshotRepository repository, MasterKey key)
    {
        _repository = repository;
        _key = key;
    }

    /// <summary>
    /// The local index cache (docs/FORMAT.md §9.12). A verification never trusts it: the set's index files are always
    /// read from the repository (that is part of what is verified); the cache is refreshed with them.
    /// </summary>
    public IndexCache? IndexCache { get; init; }

    public async Task<VerificationResult> VerifyAsync(SnapshotLocation location, VerificationDepth depth, double readDataPercent,
        int throttleLimit, IOperationObserver observer, CancellationToken ct)
    {
        var restore = new DedupRestoreOperation(_repository, _key) { IndexCache = IndexCache };
        var manifest = await restore.ReadManifestAsync(location, ct).ConfigureAwait(false);
        using var index = await SetIndexLoader.LoadAsync(_repository, _key, location.Set, IndexCache, trustCache: false, observer,
            ct).ConfigureAwait(false);
        var problems = new List<string>();
        var needed = new SortedSet<int>();
        var what = $"snapshot {location.Set}/{location.Snapshot}";
        await using (var list = await _repository.OpenReadAsync(location, V2Layout.ChunkListName, ct).ConfigureAwait(false))
        {
            await foreach (var chunk in ChunkListReader.ReadAsync(list, _key, manifest, what, ct).ConfigureAwait(false))
            {
                if (index.TryGet(chunk.Id, out var loc)) needed.Add(loc.Pack);
                else if (problems.Count < 100) problems.Add($"Chunk {chunk.Id} is in none of the set's index files.");
            }
        }
        var stored = (await _repository.ListFilesAsync(V2Layout.Packs(location.Set), ct).ConfigureAwait(false))
            .ToDictionary(f => f.Name, StringComparer.Ordinal);
        foreach (var n in needed)
        {
            var pack = index.Packs[n];
            if (!stored.TryGetValue(pack.Name, out var file)) problems.Add($"Pack {pack.Name} is missing.");
            else if (file.Length != pack.Length)
                problems.Add($"Pack {pack.Name} holds {file.Length} bytes, the index records {pack.Length}.");
        }
        if (problems.Count == 0 && depth == VerificationDepth.Sampled)
        {
            var take = (int)Math.Ceiling(needed.Count * Math.Clamp(readDataPercent, 0, 100) / 100);
            var sample = needed.OrderBy(_ => RandomNumberGenerator.GetInt32(int.MaxValue)).Take(take).ToList();
            observer.Verbose($"Reading {sample.Count} of the {needed.Count} pack(s) {what} needs ({readDataPercent}%).");
            await Parallel.ForEachAsync(sample, new ParallelOptions { MaxDegreeOfParallelism = throttleLimit, CancellationToken = ct },
                async (n, token) =>
            {
                var problem = await CheckPackAsync(location.Set, index.Packs[n], token).ConfigureAwait(false);
                if (problem is not null) lock (problems) problems.Add(problem);
            }).ConfigureAwait(false);
        }
        if (problems.Count == 0 && depth == VerificationDepth.Full)
        {
            var progress = new TransferProgress(observer, ActivityText.Verify(location.Set, location.Snapshot),
                new[] { manifest.Source.Length });
            try
            {
                var sha = await restore.ReadAllAsync(location, manifest, throttleLimit, progress, null, ct,
                    checkChunkIds: true).ConfigureAwait(false);
                if (sha != manifest.Source.Sha256) problems.Add($"The data's SHA-256 {sha} differs from the original's " +
                    $"{manifest.Source.Sha256}.");
            }
            catch (OffsiteException ex) { problems.Add(ex.Message); }
            progress.Complete();
        }
        observer.Verbose(problems.Count == 0
            ? $"Snapshot {location.Set}/{location.Snapshot} verified ({depth}, format 2): {needed.Count} pack(s) intact."
            : $"Snapshot {location.Set}/{location.Snapshot} failed verification ({depth}, format 2): {string.Join(" ", problems)}");
        return new VerificationResult(location, depth, needed.Count, needed.Sum(n => index.Packs[n].Length), problems);
    }

    private async Task<string?> CheckPackAsync(string set, PackRecord pack, CancellationToken ct)
    {
        try
        {
            await using var stream = await _repository.OpenReadAsync(V2Layout.Packs(set), pack.Name, ct).ConfigureAwait(false);
            using var hasher = Blake3.Hasher.New();
            var buffer = new byte[1 << 20];
            long total = 0;
            int n;
            while ((n = await stream.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                hasher.Update(buffer.AsSpan(0, n));
                total += n;
            }
            var hash = new byte[32];
            hasher.Finalize(hash);
            if (total != pack.Length) return $"Pack {pack.Name} holds {total} bytes, the index records {pack.Length}.";
            return hash.AsSpan().SequenceEqual(pack.Blake3) ? null : $"Pack {pack.Name} has other content than the index records (its " +
                "BLAKE3 differs).";
        }
        catch (OffsiteException ex) { return ex.Message; }
    }
}
