using System.Security.Cryptography;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>Reading a set's index and storing v2 files through <see cref="ISnapshotRepository"/>, with the v1 retry rule.</summary>
public static class V2Store
{
    /// <summary>Attempts per stored file when the repository says storing it again can fix it (as v1 parts).</summary>
    public const int MaxAttempts = 8;

    /// <summary>
    /// Reads every index file of the set (docs/FORMAT.md §9.6) into a temporary index on disk (bounded memory, deleted
    /// when the index is disposed); a damaged one stops the run (IndexCorrupt). <see cref="SetIndexLoader"/> also uses
    /// the local index cache.
    /// </summary>
    public static Task<SetIndex> LoadIndexAsync(ISnapshotRepository repository, MasterKey key, string set, CancellationToken ct) =>
        SetIndexLoader.LoadAsync(repository, key, set, cache: null, trustCache: false, NullObserver.Instance, ct);

    /// <summary>
    /// Stores bytes that are already sealed (a pack, an index file, a chunk list): the same bytes are sent again when
    /// the repository reports a retryable failure (no nonce is reused: nothing is encrypted again), and the stored
    /// size must equal what was sent.
    /// </summary>
    public static async Task<StoredPartResult> StoreAsync(ISnapshotRepository repository, SnapshotLocation folder, string name,
        Func<IPartSink, CancellationToken, Task> writeAll, long length, IOperationObserver observer, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var sink = await repository.CreateFileAsync(folder, name, length, ct).ConfigureAwait(false);
                await writeAll(sink, ct).ConfigureAwait(false);
                var result = await sink.CompleteAsync(ct).ConfigureAwait(false);
                if (result.Length != length)
                    throw new RetryablePartException(ErrorIds.Backup.StoredSizeMismatch, OffsiteErrorCategory.WriteError,
                        $"{folder.Set}/{folder.Snapshot}/{name} was stored with {result.Length} bytes instead of {length}.", name);
                return result;
            }
            catch (RetryablePartException e) when (attempt < MaxAttempts)
            {
                observer.Verbose($"{e.ErrorId}: {e.Message} Storing {name} again (attempt {attempt + 1} of {MaxAttempts}).");
            }
        }
    }

    public static Task<StoredPartResult> StoreAsync(ISnapshotRepository repository, SnapshotLocation folder, string name,
        ReadOnlyMemory<byte> bytes, IOperationObserver observer, CancellationToken ct) =>
        StoreAsync(repository, folder, name, (sink, c) => sink.WriteAsync(bytes, c).AsTask(), bytes.Length, observer, ct);

    /// <summary>
    /// Writes an index file of <paramref name="set"/> (its packs, and its chunk entries read back from
    /// <paramref name="entries"/>) to an owner-only temporary file, so that it is never held whole in memory and its
    /// size is known before it is stored, then stores it under a fresh id. Returns its name.
    /// </summary>
    public static async Task<string> StoreIndexAsync(ISnapshotRepository repository, MasterKey key, string set,
        IReadOnlyList<PackRecord> packs,
        IndexEntrySpill entries, IOperationObserver observer, CancellationToken ct) =>
        (await StoreIndexFileAsync(repository, key, set, packs, entries, observer, ct).ConfigureAwait(false)).Name;

    /// <summary>As <see cref="StoreIndexAsync"/>, returning the stored file as a listing would show it (for the local index
    /// cache).</summary>
    public static async Task<StoredFile> StoreIndexFileAsync(ISnapshotRepository repository, MasterKey key, string set,
        IReadOnlyList<PackRecord> packs,
        IndexEntrySpill entries, IOperationObserver observer, CancellationToken ct)
    {
        var indexId = RandomNumberGenerator.GetBytes(16);
        var name = V2Layout.IndexName(indexId);
        var path = Path.Combine(Path.GetTempPath(), $".oo-index-{Guid.NewGuid():N}");
        try
        {
            await using (var file = OpenOwnerOnlyTemp(path))
                await IndexFileCodec.WriteAsync(b =>
                    file.WriteAsync(b, ct).AsTask(), key, indexId, RandomNumberGenerator.GetBytes(32), set, packs, entries)
                    .ConfigureAwait(false);
            var stored = await StoreLocalFileAsync(repository, path, V2Layout.Index(set), name, observer, ct).ConfigureAwait(false);
            return new StoredFile(name, stored.Length, stored.Checksum);
        }
        finally
        {
            try { File.Delete(path); } catch (IOException) { }
        }
    }

    /// <summary>Stores a local (temporary) file's bytes as <paramref name="name"/>; returns its length.</summary>
    public static async Task<long> StoreFileAsync(ISnapshotRepository repository, string path, SnapshotLocation folder, string name,
        IOperationObserver observer, CancellationToken ct) =>
        (await StoreLocalFileAsync(repository, path, folder, name, observer, ct).ConfigureAwait(false)).Length;

    private static async Task<StoredPartResult> StoreLocalFileAsync(ISnapshotRepository repository, string path, SnapshotLocation folder,
        string name,
        IOperationObserver observer, CancellationToken ct)
    {
        var length = new FileInfo(path).Length;
        return await StoreAsync(repository, folder, name, async (sink, c) =>
        {
            await using var file = File.OpenRead(path);
            var buffer = new byte[1 << 20];
            int n;
            while ((n = await file.ReadAsync(buffer, c).ConfigureAwait(false)) > 0) await sink.WriteAsync(buffer.AsMemory(0, n),
                c).ConfigureAwait(false);
        }, length, observer, ct).ConfigureAwait(false);
    }

    /// <summary>A new temporary file only its owner can read (it holds sealed v2 data before it is stored).</summary>
    public static FileStream OpenOwnerOnlyTemp(string path)
    {
        return new FileStream(path, IO.OwnerOnlyFile.CreateOptions(FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16));
    }
}
