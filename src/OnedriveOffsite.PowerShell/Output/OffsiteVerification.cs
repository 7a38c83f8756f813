namespace OnedriveOffsite.Output;

/// <summary>What Test-OffsiteBackup found.</summary>
public sealed class OffsiteVerification
{
    public string Name { get; init; } = "";
    public string SnapshotId { get; init; } = "";
    public string Depth { get; init; } = "";
    public bool Passed { get; init; }
    public int Parts { get; init; }
    public long StoredSize { get; init; }
    public string[] Problems { get; init; } = Array.Empty<string>();

    public override string ToString() => $"{Name}/{SnapshotId}: {(Passed ? "passed" : "FAILED")}";
}
