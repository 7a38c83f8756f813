namespace OnedriveOffsite.Engine.Legacy;

/// <summary>
/// One entry of a folder that may hold archives of the old service. <see cref="Size"/> is the exact byte length
/// (the restore checks it read exactly that much, which catches cut-off downloads); -1 if unknown.
/// </summary>
public sealed record LegacyArchiveInfo(string Name, long Size, DateTimeOffset? LastModified);

/// <summary>
/// A folder holding the archives of one backup made by the old Python service: a OneDrive folder or a local copy.
/// </summary>
public interface ILegacyArchiveSource
{
    /// <summary>Where the archives are, for messages (no secrets).</summary>
    string Description { get; }

    /// <summary>All files of the folder; the restore picks the archives out by name.</summary>
    Task<IReadOnlyList<LegacyArchiveInfo>> ListArchivesAsync(CancellationToken ct);

    /// <summary>The archive's bytes from the start; read forward only, once, then disposed by the caller.</summary>
    Task<Stream> OpenArchiveAsync(LegacyArchiveInfo archive, CancellationToken ct);
}
