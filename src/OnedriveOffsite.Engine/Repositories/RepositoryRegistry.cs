using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Legacy;
using OnedriveOffsite.Engine.Repositories.Local;
using OnedriveOffsite.Engine.Repositories.OneDrive;

namespace OnedriveOffsite.Engine.Repositories;

/// <summary>
/// Opens a -Repository value through the backend registered for its scheme: <c>onedrive:</c> or
/// <c>onedrive:/sub/path</c> (also the default when none is given) for OneDrive; a value without a registered
/// scheme is a local directory (already resolved to a full path by the cmdlet layer). Adding a backend means
/// adding one line to <see cref="Schemes"/> (docs/ARCHITECTURE.md, "Adding a backend").
/// </summary>
public static class RepositoryRegistry
{
    /// <summary>The value used when -Repository is not given.</summary>
    public const string DefaultRepository = OneDriveBackend.Prefix;

    private static readonly IRepositoryBackend PathBackend = new LocalBackend();

    private static readonly Dictionary<string, IRepositoryBackend> Schemes = new(StringComparer.OrdinalIgnoreCase)
    {
        [OneDriveBackend.Scheme] = new OneDriveBackend(),
    };

    /// <summary>The backend of <paramref name="spec"/>'s scheme; the local directory backend for plain paths.</summary>
    public static IRepositoryBackend BackendFor(string? spec)
    {
        spec ??= DefaultRepository;
        var colon = spec.IndexOf(':');
        return colon > 0 && Schemes.TryGetValue(spec[..colon], out var backend) ? backend : PathBackend;
    }

    /// <summary>True when <paramref name="spec"/> is a file system path (the cmdlet layer resolves it first).</summary>
    public static bool IsPath(string? spec) => BackendFor(spec) == PathBackend;

    public static ISnapshotRepository Open(RepositoryOpenRequest request) => BackendFor(request.Target).Open(request);

    /// <summary>
    /// The old service's archives where <paramref name="request"/>'s repository holds them (a capability not every
    /// backend has).
    /// </summary>
    public static ILegacyArchiveStore OpenLegacyArchives(RepositoryOpenRequest request) =>
        BackendFor(request.Target).OpenLegacyArchives(request)
        ?? throw new OffsiteException(ErrorIds.OneDrive.InvalidRepository, OffsiteErrorCategory.InvalidArgument,
            $"The repository '{request.Target}' cannot hold backups of the old service.", request.Target);
}
