namespace OnedriveOffsite.Output;

/// <summary>What New-OffsiteKey returns: the key id and where the key file is, never the key.</summary>
public sealed class OffsiteKeyInfo
{
    public string KeyId { get; init; } = "";
    public string Path { get; init; } = "";
    public string? PreviousKeyPath { get; init; }

    public override string ToString() => KeyId;
}
