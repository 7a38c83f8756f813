using System.Text.Json.Serialization;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>The JSON plaintext of a v2 manifest.oom (docs/FORMAT.md §9.8).</summary>
public sealed class V2Manifest
{
    [JsonPropertyName("format")] public int Format { get; set; } = 2;
    [JsonPropertyName("snapshotId")] public string SnapshotId { get; set; } = "";
    [JsonPropertyName("set")] public string Set { get; set; } = "";
    [JsonPropertyName("snapshot")] public string Snapshot { get; set; } = "";
    [JsonPropertyName("createdUtc")] public DateTime CreatedUtc { get; set; }
    [JsonPropertyName("completedUtc")] public DateTime CompletedUtc { get; set; }
    [JsonPropertyName("source")] public Format.SnapshotManifest.SourceInfo Source { get; set; } = new();
    [JsonPropertyName("chunking")] public ChunkingInfo Chunking { get; set; } = new();
    [JsonPropertyName("chunkList")] public ChunkListInfo ChunkList { get; set; } = new();
    [JsonPropertyName("compression")] public string Compression { get; set; } = "Auto";
    [JsonPropertyName("added")] public AddedInfo Added { get; set; } = new();
    [JsonPropertyName("tool")] public string Tool { get; set; } = "";
    [JsonPropertyName("host")] public string Host { get; set; } = "";

    public sealed class ChunkingInfo
    {
        [JsonPropertyName("algorithm")] public string Algorithm { get; set; } = "gear-fastcdc-nc2";
        [JsonPropertyName("min")] public int Min { get; set; }
        [JsonPropertyName("average")] public int Average { get; set; }
        [JsonPropertyName("max")] public int Max { get; set; }
    }

    public sealed class ChunkListInfo
    {
        [JsonPropertyName("file")] public string File { get; set; } = V2Layout.ChunkListName;
        [JsonPropertyName("salt")] public string Salt { get; set; } = "";
        [JsonPropertyName("storedLength")] public long StoredLength { get; set; }
        [JsonPropertyName("chunks")] public long Chunks { get; set; }
    }

    /// <summary>What this snapshot added to the repository (new chunks, packs and index file).</summary>
    public sealed class AddedInfo
    {
        [JsonPropertyName("chunks")] public long Chunks { get; set; }
        [JsonPropertyName("plainBytes")] public long PlainBytes { get; set; }
        [JsonPropertyName("packs")] public int Packs { get; set; }
        [JsonPropertyName("storedBytes")] public long StoredBytes { get; set; }
        [JsonPropertyName("indexFile")] public string? IndexFile { get; set; }
    }
}
