using System.Text.Json.Serialization;

namespace OnedriveOffsite.Engine.Format;

/// <summary>The manifest's JSON content (encrypted inside manifest.oom). Field names are part of the format.</summary>
public sealed class SnapshotManifest
{
    [JsonPropertyName("format")] public int Format { get; set; } = FormatVersion.Current;
    [JsonPropertyName("snapshotId")] public string SnapshotId { get; set; } = "";
    [JsonPropertyName("set")] public string Set { get; set; } = "";
    [JsonPropertyName("createdUtc")] public DateTime CreatedUtc { get; set; }
    [JsonPropertyName("completedUtc")] public DateTime CompletedUtc { get; set; }
    [JsonPropertyName("source")] public SourceInfo Source { get; set; } = new();
    [JsonPropertyName("partSize")] public long PartSize { get; set; }
    [JsonPropertyName("segmentSize")] public int SegmentSize { get; set; }
    [JsonPropertyName("compression")] public string Compression { get; set; } = "";
    [JsonPropertyName("parts")] public List<PartEntry> Parts { get; set; } = new();
    [JsonPropertyName("tool")] public string Tool { get; set; } = "";
    [JsonPropertyName("host")] public string Host { get; set; } = "";

    public sealed class SourceInfo
    {
        [JsonPropertyName("name")] public string Name { get; set; } = "";
        [JsonPropertyName("path")] public string Path { get; set; } = "";
        [JsonPropertyName("length")] public long Length { get; set; }
        [JsonPropertyName("lastWriteTimeUtc")] public DateTime LastWriteTimeUtc { get; set; }
        [JsonPropertyName("sha256")] public string Sha256 { get; set; } = "";
        /// <summary>Absent for files; "command" or "stream" for stream backups (docs/FORMAT.md §5).</summary>
        [JsonPropertyName("kind"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Kind { get; set; }
        /// <summary>For kind "command": the program's file name only (never its arguments, which may hold secrets).</summary>
        [JsonPropertyName("program"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Program { get; set; }
    }

    public sealed class PartEntry
    {
        [JsonPropertyName("index")] public int Index { get; set; }
        [JsonPropertyName("file")] public string File { get; set; } = "";
        [JsonPropertyName("offset")] public long Offset { get; set; }
        [JsonPropertyName("length")] public long Length { get; set; }
        [JsonPropertyName("codec")] public PartCompression Codec { get; set; }
        [JsonPropertyName("salt")] public string Salt { get; set; } = "";
        /// <summary>SHA-256 of the part's source bytes: present in older snapshots only (no longer written: the whole-file
        /// SHA-256 covers every part, see docs/FORMAT.md §5); checked by Test-OffsiteBackup -Full when present.</summary>
        [JsonPropertyName("plainSha256"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? PlainSha256 { get; set; }
        [JsonPropertyName("storedLength")] public long StoredLength { get; set; }
        [JsonPropertyName("storedQuickXorHash")] public string? StoredQuickXorHash { get; set; }
    }
}
