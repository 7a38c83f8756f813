namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// The chunk entries a backup adds, kept in an owner-only temporary file (already in their index-record encoding)
/// instead of memory, so a first backup of a 1 TiB file does not hold ~16 million entries: written in order during the
/// run, read back once, in order, when the index file is written. Owner-only, and nothing is left of it when the
/// process ends, however it ends (docs/DECISIONS.md "Nothing a killed run leaves behind").
/// </summary>
public sealed class IndexEntrySpill : IDisposable
{
    private readonly string _path;
    private readonly FileStream _file;
    private readonly byte[] _entry = new byte[IndexFileCodec.ChunkEntrySize];
    private bool _reading;

    public IndexEntrySpill()
    {
        // Not encrypted (ids are keyed hashes, but lengths and places are the index's secrets): a scratch file, gone
        // however the process ends.
        _file = IO.OwnerOnlyFile.OpenScratch(".oo-entries-", 1 << 16);
        _path = _file.Name;
    }

    /// <summary>The temporary file's name (gone from the directory on Unix as soon as it is open).</summary>
    internal string TempPath => _path;

    public long Count { get; private set; }

    public void Add(IndexEntry entry)
    {
        if (_reading) throw new InvalidOperationException("Entries are being read back.");
        IndexFileCodec.Encode(entry, _entry);
        _file.Write(_entry);
        Count++;
    }

    /// <summary>Fills <paramref name="plain"/> with the next entries in the order they were added.</summary>
    public async Task ReadNextAsync(byte[] plain)
    {
        if (!_reading)
        {
            _reading = true;
            await _file.FlushAsync().ConfigureAwait(false);
            _file.Position = 0;
        }
        if (await SealedRecordReader.ReadFullyAsync(_file, plain, CancellationToken.None).ConfigureAwait(false) != plain.Length)
            throw new IOException($"The temporary file of new index entries '{_path}' is shorter than what was written to it.");
    }

    /// <summary>Every entry again, in the order added (positioned reads: independent of <see cref="ReadNextAsync"/>).</summary>
    public IEnumerable<IndexEntry> ReadAll()
    {
        _file.Flush();
        var buffer = new byte[IndexFileCodec.ChunkEntrySize * 1024];
        for (long first = 0; first < Count; first += 1024)
        {
            var n = (int)Math.Min(1024, Count - first);
            var bytes = n * IndexFileCodec.ChunkEntrySize;
            for (var done = 0; done < bytes;)
            {
                var read = RandomAccess.Read(_file.SafeFileHandle, buffer.AsSpan(done, bytes - done),
                    first * IndexFileCodec.ChunkEntrySize + done);
                if (read == 0)
                    throw new IOException($"The temporary file of new index entries '{_path}' is shorter than what was written to it.");
                done += read;
            }
            for (var i = 0; i < n; i++)
                yield return IndexFileCodec.Decode(buffer.AsSpan(i * IndexFileCodec.ChunkEntrySize, IndexFileCodec.ChunkEntrySize));
        }
    }

    public void Dispose() => _file.Dispose();
}
