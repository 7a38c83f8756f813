using System.Security.Cryptography;
using System.Text;
using OnedriveOffsite.Engine.Config;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// Where the local index cache lives (docs/FORMAT.md §9.12): one <see cref="ChunkIndexFile"/> per repository, set and
/// key in an owner-only folder of the config home. The file name is a hash of the three, so it names none of them.
/// </summary>
public sealed class IndexCache(string directory)
{
    public const string FolderName = "index-cache";
    public const string Extension = ".ooic";

    public static IndexCache In(ConfigHome home) => new(home.Combine(FolderName));

    public string Directory { get; } = Path.GetFullPath(directory);

    public string PathFor(string repository, string set, string keyId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(repository + "\0" + set + "\0" + keyId));
        return Path.Combine(Directory, Convert.ToHexString(hash)[..32].ToLowerInvariant() + Extension);
    }
}
