using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.IO;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// Loads a set's index as a <see cref="SetIndex"/> on disk, in bounded memory, from the local cache where it can and
/// from the repository's index files where it must (docs/FORMAT.md §9.12): the index folder is always listed; a cache
/// file that fails its checks, or that was built from an index file the listing no longer shows with the same size
/// and checksum, is rebuilt from scratch; index files the cache does not know yet are downloaded and merged in.
/// </summary>
public static class SetIndexLoader
{
    /// <param name="cache">Null: build a temporary index (deleted when disposed) from the repository.</param>
    /// <param name="trustCache">False: ignore an existing cache file and rebuild it from the repository (verify, prune, a retry).</param>
    public static async Task<SetIndex> LoadAsync(ISnapshotRepository repository, MasterKey key, string set, IndexCache? cache,
        bool trustCache, IOperationObserver observer, CancellationToken ct)
    {
        var listed = (await repository.ListFilesAsync(V2Layout.Index(set), ct).ConfigureAwait(false))
            .Where(f => V2Layout.TryParseId(f.Name, V2Layout.IndexExtension, out _)).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        var macKey = V2Keys.IndexCacheKey(key);
        var identity = ChunkIndexFile.Identity(repository.Description, set);
        var path = cache?.PathFor(repository.Description, set, key.KeyId);
        var cached = trustCache && path is not null ? OpenCached(path, macKey, key.KeyIdBytes, identity, listed, set, observer) : null;
        var known = cached?.IndexFiles.Select(f => f.Name).ToHashSet(StringComparer.Ordinal) ?? new HashSet<string>();
        var toRead = listed.Where(f => !known.Contains(f.Name)).ToList();
        if (cached is not null && toRead.Count == 0)
        {
            observer.Verbose($"Index of set '{set}': {cached.IndexFiles.Count} index file(s) loaded from the local index cache, " +
                $"0 downloaded; {cached.ChunkCount} chunk(s) in {cached.Packs.Count} pack(s).");
            return new SetIndex(cached, fromCache: true);
        }
        try
        {
            using var collector = new SortedEntryCollector(cached?.Packs);
            foreach (var file in toRead)
            {
                await using var stream = await repository.OpenReadAsync(V2Layout.Index(set), file.Name, ct).ConfigureAwait(false);
                await IndexFileCodec.ReadAsync(stream, key, set, file.Name, collector, ct).ConfigureAwait(false);
            }
            var files = (cached?.IndexFiles ?? Array.Empty<StoredFile>()).Concat(toRead).ToList();
            var sorted = cached is null ? collector.Sorted() : SortedEntryCollector.Merge(cached.Entries(), collector.Sorted());
            var built = WriteAndOpen(path, macKey, key.KeyIdBytes, identity, collector.Packs, files,
                (cached?.ChunkCount ?? 0) + collector.Count, sorted);
            observer.Verbose($"Index of set '{set}': {cached?.IndexFiles.Count ?? 0} index file(s) loaded from the local index cache, " +
                $"{toRead.Count} downloaded; " +
                $"{built.ChunkCount} chunk(s) in {built.Packs.Count} pack(s){(path is null ? "" : "; the local index cache is updated")}.");
            return new SetIndex(built, fromCache: cached is not null);
        }
        finally
        {
            cached?.Dispose();
        }
    }

    /// <summary>
    /// After a backup stored index file <paramref name="indexFile"/>: merges its entries (read back from the backup's
    /// spill, not downloaded) into the cache the backup loaded, so the next backup downloads nothing. Only done when
    /// <paramref name="index"/> is that cache, loaded under the set's lock (nobody else wrote index files since).
    /// </summary>
    public static void AddStoredIndexFile(SetIndex index, IndexCache cache, ISnapshotRepository repository, MasterKey key, string set,
        StoredFile indexFile, IReadOnlyList<PackRecord> packs, IndexEntrySpill entries, IOperationObserver observer)
    {
        if (index.File is not { Temporary: false } current) return;
        using var collector = new SortedEntryCollector(current.Packs);
        var numbers = packs.Select(p => collector.AddPack(p, why => new InvalidDataException(why))).ToArray();
        foreach (var e in entries.ReadAll())
            collector.AddChunk(e.Id, new ChunkLocation(numbers[e.Pack], e.Offset, e.StoredLength, e.PlainLength));
        var files = current.IndexFiles.Append(indexFile).ToList();
        using var updated = WriteAndOpen(cache.PathFor(repository.Description, set, key.KeyId), V2Keys.IndexCacheKey(key), key.KeyIdBytes,
            ChunkIndexFile.Identity(repository.Description, set), collector.Packs, files, current.ChunkCount + collector.Count,
            SortedEntryCollector.Merge(current.Entries(), collector.Sorted()));
        observer.Verbose($"The local index cache of set '{set}' now includes index file {indexFile.Name}: {files.Count} index file(s), " +
            $"{updated.ChunkCount} chunk(s).");
    }

    private static ChunkIndexFile? OpenCached(string path, byte[] macKey, byte[] keyId, byte[] identity, IReadOnlyList<StoredFile> listed,
        string set, IOperationObserver observer)
    {
        if (!File.Exists(path))
        {
            observer.Verbose($"No local index cache of set '{set}' yet: building it from the repository's index files.");
            return null;
        }
        ChunkIndexFile file;
        try { file = ChunkIndexFile.Open(path, macKey, keyId, identity); }
        catch (Exception e) when (e is IndexCacheInvalidException or IOException or UnauthorizedAccessException)
        {
            observer.Verbose($"The local index cache of set '{set}' cannot be used ({e.Message}): rebuilding it from the repository's " +
                "index files.");
            return null;
        }
        var byName = listed.ToDictionary(f => f.Name, StringComparer.Ordinal);
        foreach (var known in file.IndexFiles)
        {
            var why = !byName.TryGetValue(known.Name, out var now)
                ? "is no longer in the repository (pruned or replaced, maybe by another host)"
                : now.Length != known.Length ? $"now holds {now.Length} bytes, not {known.Length}"
                : now.Checksum is not null && known.Checksum is not null && now.Checksum != known.Checksum ? "has another checksum now"
                : null;
            if (why is null) continue;
            observer.Verbose($"The local index cache of set '{set}' is stale (index file {known.Name} {why}): rebuilding it from the " +
                "repository's index files.");
            file.Dispose();
            return null;
        }
        return file;
    }

    /// <summary>
    /// Writes a new index file next to <paramref name="path"/> (or in the temp folder when null), opens it, then gives it
    /// its name by a rename (atomic: a reader sees the old file or the new one). The open handle stays valid after the
    /// rename, and a failed rename (another process holds the old file on Windows) only costs the cache.
    /// </summary>
    private static ChunkIndexFile WriteAndOpen(string? path, byte[] macKey, byte[] keyId, byte[] identity, IReadOnlyList<PackRecord> packs,
        IReadOnlyList<StoredFile> files, long maxEntries, IEnumerable<KeyValuePair<ChunkId, ChunkLocation>> sorted)
    {
        string temp;
        if (path is null) temp = Path.Combine(Path.GetTempPath(), $".oo-index-{Guid.NewGuid():N}{IndexCache.Extension}");
        else
        {
            OwnerOnlyFile.EnsureOwnerOnlyDirectory(Path.GetDirectoryName(path)!);
            temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        }
        try
        {
            ChunkIndexFileWriter.Write(temp, macKey, keyId, identity, packs, files, maxEntries, sorted);
            var opened = ChunkIndexFile.Open(temp, macKey, keyId, identity, temporary: path is null, checkPages: false);
            if (path is null) return opened;
            try { File.Move(temp, path, overwrite: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { File.Delete(temp); }
            return opened;
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }
}
