namespace OnedriveOffsite.Output;

/// <summary>A backup folder of the old Python service, as Get-OffsiteBackup -Legacy lists it.</summary>
public sealed class OffsiteLegacyBackup
{
    public string Name { get; init; } = "";
    public int Archives { get; init; }
    public long StoredSize { get; init; }
    public DateTime? LastModified { get; init; }
    public string Repository { get; init; } = "";

    public override string ToString() => Name;
}
