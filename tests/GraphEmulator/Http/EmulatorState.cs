using OnedriveOffsite.GraphEmulator.Faults;
using OnedriveOffsite.GraphEmulator.Store;

namespace OnedriveOffsite.GraphEmulator.Http;

/// <summary>Everything the request handlers share for one emulator instance.</summary>
internal sealed class EmulatorState
{
    public required EmulatorOptions Options { get; init; }
    public required DriveStore Store { get; init; }
    public required UploadSessions Sessions { get; init; }
    public required DownloadGrants Downloads { get; init; }
    public required AccessTokens Tokens { get; init; }
    public required RetryAfterGate RetryAfter { get; init; }
    public required FaultSettings Faults { get; init; }
    public required StatsRecorder Stats { get; init; }
    public required string StorageDirectory { get; init; }
    public HostileBehaviors Hostile { get; } = new();
    public AtRestDamage AtRestDamage { get; } = new();
}
