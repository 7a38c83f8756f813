using OnedriveOffsite.GraphEmulator.Hashing;

namespace OnedriveOffsite.GraphEmulator.Store;

/// <summary>
/// Scripted damage to a stored file AFTER its upload was acknowledged: the upload is answered with the hash of the
/// bytes received (so the client's upload check passes), but by the time that answer leaves, one stored byte is
/// flipped and the drive reports the hash of what it now holds, as when a stored item changes behind the client's
/// back. Unlike the fault kinds it is never chosen at random: a run cannot survive it, only notice it (tests of
/// "verify before deleting the source"). Armed with <see cref="Arm"/> for the next file whose name starts with a prefix.
/// </summary>
internal sealed class AtRestDamage
{
    private readonly object _gate = new();
    private string? _namePrefix;

    /// <summary>
    /// The next committed file whose name starts with <paramref name="namePrefix"/> ("" for any; "*.ext" for a name
    /// ending in ".ext", e.g. a format 2 pack, whose name is random) is damaged.
    /// </summary>
    public void Arm(string namePrefix)
    {
        lock (_gate) _namePrefix = namePrefix;
    }

    public bool Armed
    {
        get { lock (_gate) return _namePrefix is not null; }
    }

    private static bool Matches(string name, string pattern) => pattern.StartsWith('*')
        ? name.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase)
        : name.StartsWith(pattern, StringComparison.OrdinalIgnoreCase);

    /// <summary>Call after building the upload's answer and before sending it.</summary>
    public void AfterCommit(DriveStore store, DriveItemNode node)
    {
        lock (_gate)
        {
            if (_namePrefix is null || node.FileSize == 0 || !Matches(node.Name, _namePrefix)) return;
            _namePrefix = null;
        }
        lock (store.Sync)
        {
            using (var stream = new FileStream(node.BlobPath!, FileMode.Open, FileAccess.ReadWrite))
            {
                stream.Position = node.FileSize / 2;
                var b = stream.ReadByte();
                stream.Position = node.FileSize / 2;
                stream.WriteByte((byte)(b ^ 0xFF));
            }
            node.QuickXorHash = ReferenceQuickXorHash.ComputeFileAsync(node.BlobPath!).GetAwaiter().GetResult();
        }
    }
}
