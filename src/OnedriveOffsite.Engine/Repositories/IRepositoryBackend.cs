using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Legacy;
using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Engine.Repositories;

/// <summary>What a backend is given to open a -Repository value.</summary>
/// <param name="Target">The -Repository value (a local path already resolved to a full path).</param>
/// <param name="Observer">Receives retry narration for the repository's whole life.</param>
/// <param name="FragmentSize">Upload fragment size in bytes where the backend uploads in fragments (OneDrive).</param>
/// <param name="Limits">Bandwidth limits shared by all of the run's transfers (null: none).</param>
public sealed record RepositoryOpenRequest(ConfigHome Home, string Target, IOperationObserver Observer, int? FragmentSize = null,
    IO.TransferLimits? Limits = null);

/// <summary>
/// One kind of repository, registered in <see cref="RepositoryRegistry"/> under the scheme its -Repository values
/// start with. Abilities only some backends have are capabilities: methods that return null when absent.
/// </summary>
public interface IRepositoryBackend
{
    ISnapshotRepository Open(RepositoryOpenRequest request);

    /// <summary>Capability: the old service's archives kept where this backend stores (null when it has none).</summary>
    ILegacyArchiveStore? OpenLegacyArchives(RepositoryOpenRequest request);
}
