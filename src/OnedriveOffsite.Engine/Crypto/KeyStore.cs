using System.Globalization;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.IO;

namespace OnedriveOffsite.Engine.Crypto;

/// <summary>The result of creating or importing the key: never the key itself.</summary>
public sealed record KeyFileInfo(string KeyId, string Path, string? PreviousKeyPath);

/// <summary>
/// The key file in the config home. Replacing a key (only with -Force) keeps the old one beside it under a dated
/// name, because snapshots made with it still need it.
/// </summary>
public sealed class KeyStore
{
    private readonly ConfigHome _home;

    public KeyStore(ConfigHome home) => _home = home;

    public string KeyPath => _home.KeyFile;

    public bool Exists => File.Exists(KeyPath);

    public MasterKey Load() => MasterKey.Load(KeyPath);

    /// <summary>Throws KeyExists unless the key may be replaced.</summary>
    public void EnsureWritable(bool force)
    {
        if (Exists && !force)
            throw new OffsiteException(ErrorIds.Keys.KeyExists, OffsiteErrorCategory.ResourceExists,
                $"A key already exists at '{KeyPath}'. Snapshots made with it need it; use -Force to make a new one (the old key is kept under a dated name).", KeyPath);
    }

    public KeyFileInfo Save(MasterKey key, bool force)
    {
        EnsureWritable(force);
        string? previous = null;
        if (Exists)
        {
            var existing = Load();
            if (existing.KeyId == key.KeyId) return new KeyFileInfo(key.KeyId, KeyPath, null);
            previous = $"{KeyPath}.{DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.{existing.KeyId}";
            File.Move(KeyPath, previous);
        }
        OwnerOnlyFile.WriteAllText(KeyPath, key.ToText() + "\n");
        return new KeyFileInfo(key.KeyId, KeyPath, previous);
    }
}
