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
                $"A key already exists at '{KeyPath}'. Snapshots made with it need it; use -Force to make a new one (the old key is " +
                    $"kept under a dated name).", KeyPath);
    }

    /// <summary>
    /// Writes the loaded key's text form to an owner-only file that the user chose (an offline copy), never
    /// replacing an existing file unless <paramref name="overwrite"/>. Returns the key id written.
    /// </summary>
    public string Export(string path, bool overwrite)
    {
        var full = System.IO.Path.GetFullPath(path);
        var key = Load();
        if (Directory.Exists(full) || (File.Exists(full) && !overwrite))
            throw new OffsiteException(ErrorIds.Snapshots.DestinationExists, OffsiteErrorCategory.ResourceExists,
                $"'{full}' already exists; the key was not written. Choose a new file name (or -Force to replace a file).", full);
        if (!Directory.Exists(System.IO.Path.GetDirectoryName(full)))
            throw new OffsiteException(ErrorIds.Snapshots.DestinationDirectoryNotFound, OffsiteErrorCategory.ObjectNotFound,
                $"The directory of '{full}' does not exist; the key was not written.", full);
        OwnerOnlyFile.WriteAllBytesInto(full, System.Text.Encoding.UTF8.GetBytes(key.ToText() + "\n"));
        return key.KeyId;
    }

    public KeyFileInfo Save(MasterKey key, bool force)
    {
        EnsureWritable(force);
        string? previous = null;
        if (Exists)
        {
            var existing = Load();
            if (existing.KeyId == key.KeyId)
            {
                // Same key: rewrite it, which brings an older file to the OOK2- form and to owner-only permissions.
                OwnerOnlyFile.WriteAllText(KeyPath, key.ToText() + "\n");
                return new KeyFileInfo(key.KeyId, KeyPath, null);
            }
            previous = $"{KeyPath}.{DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.{existing.KeyId}";
            File.Move(KeyPath, previous);
        }
        OwnerOnlyFile.WriteAllText(KeyPath, key.ToText() + "\n");
        return new KeyFileInfo(key.KeyId, KeyPath, previous);
    }
}
