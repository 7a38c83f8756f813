namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// What an index file is read into (<see cref="IndexFileCodec.ReadAsync"/>): an in-memory <see cref="SetIndex"/>, or
/// the sorter that builds the local index cache on disk (<see cref="SortedEntryCollector"/>).
/// </summary>
public interface IIndexFileSink
{
    /// <summary>Adds a pack (once; a pack named again must carry the same salt, length and hash); returns its number.</summary>
    int AddPack(PackRecord pack, Func<string, Exception> conflict);

    /// <summary>Records a chunk; the first location seen wins.</summary>
    void AddChunk(ChunkId id, ChunkLocation location);
}
