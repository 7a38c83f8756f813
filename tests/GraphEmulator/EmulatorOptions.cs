using OnedriveOffsite.GraphEmulator.Faults;

namespace OnedriveOffsite.GraphEmulator;

/// <summary>Start-up settings of a <see cref="GraphEmulatorServer"/>. Faults stay changeable at run time.</summary>
public sealed class EmulatorOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Largest page of <c>children</c>; <c>$top</c> is honoured up to this.</summary>
    public int PageSize { get; init; } = 5;

    /// <summary>Name of the app folder created under <c>/Apps</c> on first access to <c>special/approot</c>.</summary>
    public string AppName { get; init; } = "OnedriveOffsite";

    /// <summary>Drive capacity; uploads that would exceed it get 507 insufficientStorage.</summary>
    public long DriveCapacityBytes { get; init; } = 1L << 40;

    /// <summary>How long a pre-authenticated download URL stays valid.</summary>
    public TimeSpan DownloadUrlLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Idle lifetime of an upload session; each accepted fragment extends it by this much.</summary>
    public TimeSpan UploadSessionIdleLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Absolute lifetime of an upload session, whatever its activity (OneDrive: about a day).</summary>
    public TimeSpan UploadSessionMaxLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Largest file an upload session accepts (OneDrive: 250 GB); larger totals get 400.</summary>
    public long MaxFileSizeBytes { get; init; } = 250L * 1024 * 1024 * 1024;

    /// <summary>Largest body accepted by a simple <c>PUT .../content</c> upload (413 above).</summary>
    public long SimpleUploadMaxBytes { get; init; } = 4L * 1024 * 1024;

    /// <summary>Bearer tokens accepted at start. Empty: one random token is issued (see AccessToken).</summary>
    public IReadOnlyList<string> AcceptedTokens { get; init; } = [];

    /// <summary>Parent directory for stored content (a unique subdirectory is created in it and deleted on
    /// dispose). Null: the system temp directory.</summary>
    public string? StorageDirectory { get; init; }

    /// <summary>
    /// Host name put in upload and download URLs (same port). OneDrive serves them from other hosts than
    /// graph.microsoft.com, and a client that attaches its token by host (an allowed-hosts list) behaves
    /// differently per host; a different name keeps that realistic. Null: the host the client used for Graph.
    /// </summary>
    public string? PreAuthenticatedHost { get; init; } = "localhost";

    /// <summary>
    /// Report files without <c>file.hashes.quickXorHash</c> (OneDrive does not promise one for every item or drive
    /// type; clients must not treat its absence as a match).
    /// </summary>
    public bool OmitQuickXorHash { get; init; }

    /// <summary>Drive id reported by <c>GET /me/drive</c>.</summary>
    public string DriveId { get; init; } = "e0de1a7e0f15e7e5";

    /// <summary>Leeway when judging whether a request came before a Retry-After deadline (clock granularity).</summary>
    public TimeSpan RetryAfterTolerance { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Requests arriving this soon after a throttling answer were under way before it existed (parallel workers):
    /// answered 429 but counted in <c>RequestsInFlightDuringThrottle</c>, not as client faults. Tests that assert no
    /// early request under parallel load give it a wide margin (with a longer Retry-After) so a slow machine cannot
    /// turn a racing request into a failure.
    /// </summary>
    public TimeSpan RetryAfterInFlightGrace { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The clock behind every lifetime and deadline (upload sessions, download URLs, Retry-After): tests inject a
    /// fake one (Microsoft.Extensions.TimeProvider.Testing) and advance it instead of sleeping.
    /// </summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Initial fault injection settings (copied into <see cref="GraphEmulatorServer.Faults"/>).</summary>
    public double FaultRate { get; init; }

    /// <summary>Fault kinds that random injection picks from; empty means all kinds.</summary>
    public IReadOnlyCollection<FaultKind> FaultKinds { get; init; } = [];

    public int FaultSeed { get; init; } = 1;

    /// <summary>Retry-After seconds sent with injected 429/503.</summary>
    public int RetryAfterSeconds { get; init; } = 1;

    /// <summary>Fraction (0..1) of injected 429/503 sent without a Retry-After header.</summary>
    public double RetryAfterOmittedRate { get; init; }

    /// <summary>
    /// Where to write the PEM certificate of the fake identity authority (HTTPS on <see cref="IdentityPort"/>,
    /// device code + rotating refresh tokens, tokens accepted by the Graph side). Null: no identity authority.
    /// </summary>
    public string? IdentityCertificatePath { get; init; }

    /// <summary>TCP port of the identity authority on 127.0.0.1; 0 picks a free one.</summary>
    public int IdentityPort { get; init; }

    /// <summary>expires_in of the access tokens the identity authority issues.</summary>
    public TimeSpan IdentityAccessTokenLifetime { get; init; } = TimeSpan.FromHours(1);
}
