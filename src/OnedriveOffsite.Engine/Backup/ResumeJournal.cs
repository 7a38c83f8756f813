using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Hashing;
using OnedriveOffsite.Engine.IO;

namespace OnedriveOffsite.Engine.Backup;

/// <summary>
/// What an unfinished backup had stored, kept in the config home (journals/) so that a run killed mid-way (power
/// loss, kill -9, a reboot) continues the same snapshot without storing finished parts again. One journal per
/// repository + set + source path; it holds only what the manifest would (no key material: salts are not secret),
/// and is deleted once the manifest is stored.
/// </summary>
public sealed class ResumeJournal
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly object _gate = new();

    private ResumeJournal(string path) => Path = path;

    public string Path { get; }

    public static ResumeJournal For(ConfigHome home, string repository, string set, string sourcePath)
    {
        var id = SHA256.HashData(Encoding.UTF8.GetBytes($"{repository}\n{set}\n{System.IO.Path.GetFullPath(sourcePath)}"));
        var fileName = Convert.ToHexString(id, 0, 12).ToLowerInvariant() + ".json";
        return new ResumeJournal(System.IO.Path.Combine(home.JournalDirectory, fileName));
    }

    /// <summary>The journal stored at <paramref name="path"/> (listing and clean-up, see <see cref="ResumeJournals"/>).</summary>
    public static ResumeJournal At(string path) => new(path);

    public JournalState? Load()
    {
        if (!File.Exists(Path)) return null;
        try { return JsonSerializer.Deserialize<JournalState>(File.ReadAllBytes(Path), Json); }
        catch (JsonException) { return null; }
    }

    public void Save(JournalState state)
    {
        lock (_gate)
        {
            OwnerOnlyFile.EnsureOwnerOnlyDirectory(System.IO.Path.GetDirectoryName(Path)!);
            OwnerOnlyFile.WriteAllBytes(Path, JsonSerializer.SerializeToUtf8Bytes(state, Json));
        }
    }

    /// <summary>Records a finished part and its source checksum (called from parallel part workers).</summary>
    internal void RecordPart(JournalState state, BackedUpPart part)
    {
        lock (_gate)
        {
            state.Parts.RemoveAll(p => p.Index == part.Entry.Index);
            state.Parts.Add(part.Entry);
            if (part.SourceChecksum is { } checksum) state.SourceChecksums[part.Entry.Index] = PartChecksumHasher.ToHex(checksum);
            else state.SourceChecksums.Remove(part.Entry.Index);
            if (part.SourcePrefixSha256 is { } prefix) state.SourcePrefixSha256[part.Entry.Index] = prefix;
            else state.SourcePrefixSha256.Remove(part.Entry.Index);
            Save(state);
        }
    }

    public void Delete()
    {
        lock (_gate) { if (File.Exists(Path)) File.Delete(Path); }
    }
}

/// <summary>The journal's content: the snapshot being made, the source as it was, and the parts already stored.</summary>
public sealed class JournalState
{
    /// <summary>
    /// A run's state as far as <see cref="MatchesSource"/> compares it: the source as it is now, the compression and the
    /// key. Both the run itself and the choice of its format (<see cref="BackupFormatChoice"/>) start from this, so they
    /// agree on which interrupted run would be continued.
    /// </summary>
    public static JournalState ForSource(string sourcePath, long length, DateTime lastWriteTimeUtc,
        OnedriveOffsite.Engine.Compression.CompressionMode compression, string keyId) => new()
    {
        SourcePath = sourcePath, SourceLength = length, SourceLastWriteTimeUtc = lastWriteTimeUtc,
        Compression = compression.ToString(), KeyId = keyId,
    };

    public string SnapshotId { get; set; } = "";
    public string SnapshotFolder { get; set; } = "";
    public DateTime CreatedUtc { get; set; }
    public string SourcePath { get; set; } = "";
    public long SourceLength { get; set; }
    public DateTime SourceLastWriteTimeUtc { get; set; }
    public long PartSize { get; set; }
    public int SegmentSize { get; set; }
    public string Compression { get; set; } = "";
    public string KeyId { get; set; } = "";
    public List<SnapshotManifest.PartEntry> Parts { get; set; } = new();
    /// <summary>
    /// Part index → checksum (<see cref="PartChecksumHasher"/>, hex) of the source bytes that part holds. A resumed run
    /// reuses a part only when the source range it reads now has the same checksum; parts without one are stored again.
    /// </summary>
    public Dictionary<int, string> SourceChecksums { get; set; } = new();
    /// <summary>
    /// Part index → SHA-256 (hex) of the source from its first byte to that part's end, recorded by a backup that
    /// stores its parts in file order and hashes them from the same read (no per-part checksum there). A resumed run
    /// in file order reuses the part only when its own running SHA-256 at that point is the same.
    /// </summary>
    public Dictionary<int, string> SourcePrefixSha256 { get; set; } = new();

    /// <summary>True when this journal describes the same source and settings as the run about to start.</summary>
    public bool Matches(JournalState run) => MatchesSource(run) && PartSize == run.PartSize && SegmentSize == run.SegmentSize;

    /// <summary>True when this journal describes the same source, compression and key (part and segment size aside).</summary>
    public bool MatchesSource(JournalState run) =>
        SourcePath == run.SourcePath && SourceLength == run.SourceLength && SourceLastWriteTimeUtc == run.SourceLastWriteTimeUtc
        && Compression == run.Compression && KeyId == run.KeyId;
}
