namespace OnedriveOffsite.GraphEmulator.Store;

/// <summary>
/// The emulated drive: an in-memory tree of items whose file contents live as blobs on disk (so large uploads
/// do not need RAM). All tree access goes through <see cref="Sync"/>.
/// </summary>
internal sealed class DriveStore
{
    private readonly Dictionary<string, DriveItemNode> _byId = new(StringComparer.OrdinalIgnoreCase);
    private readonly string _blobDirectory;
    private readonly string _appName;
    private readonly string _idPrefix;
    private long _nextId = 101;

    public DriveStore(string driveId, string appName, string blobDirectory)
    {
        DriveId = driveId;
        _appName = appName;
        _blobDirectory = blobDirectory;
        _idPrefix = driveId.ToUpperInvariant() + "!";
        Directory.CreateDirectory(blobDirectory);
        Root = new DriveItemNode { Id = _idPrefix + "100", Name = "root", IsFolder = true };
        _byId[Root.Id] = Root;
    }

    public object Sync { get; } = new();
    public string DriveId { get; }
    public DriveItemNode Root { get; }

    /// <summary><c>Apps/&lt;app name&gt;</c>, created on first access like OneDrive's app folder.</summary>
    public DriveItemNode AppRoot()
    {
        lock (Sync)
        {
            var apps = Root.Children.GetValueOrDefault("Apps") ?? AddChild(Root, "Apps", folder: true);
            var app = apps.Children.GetValueOrDefault(_appName) ?? AddChild(apps, _appName, folder: true);
            app.SpecialFolder = "approot";
            return app;
        }
    }

    public DriveItemNode? Find(string id)
    {
        lock (Sync) return _byId.GetValueOrDefault(id);
    }

    public DriveItemNode? Resolve(DriveItemNode start, IReadOnlyList<string> segments)
    {
        lock (Sync)
        {
            var node = start;
            foreach (var segment in segments)
            {
                if (!node.IsFolder || !node.Children.TryGetValue(segment, out var child)) return null;
                node = child;
            }
            return IsAttached(node) ? node : null;
        }
    }

    public bool IsAttached(DriveItemNode node)
    {
        lock (Sync) return _byId.ContainsKey(node.Id);
    }

    /// <summary>A folder's children by name; the sorted list is kept until the folder changes, so paging through a
    /// folder of 100,000 items does not sort it again for every page.</summary>
    public IReadOnlyList<DriveItemNode> ChildrenSorted(DriveItemNode folder)
    {
        lock (Sync)
            return folder.SortedChildren ??= folder.Children.Values.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>Creates a folder; null result means the name exists and behavior is Fail.</summary>
    public DriveItemNode? CreateFolder(DriveItemNode parent, string name, ConflictBehavior behavior)
    {
        lock (Sync)
        {
            if (parent.Children.TryGetValue(name, out var existing))
            {
                switch (behavior)
                {
                    case ConflictBehavior.Fail: return null;
                    case ConflictBehavior.Rename: name = FreeName(parent, name); break;
                    case ConflictBehavior.Replace: Remove(existing); break;
                }
            }
            return AddChild(parent, name, folder: true);
        }
    }

    /// <summary>
    /// Adds many files at once under the folder path <paramref name="segments"/> (from <paramref name="start"/>,
    /// folders created as needed), all sharing ONE blob of <paramref name="content"/> — for listing tests at a scale
    /// (100,000 files) that real uploads would make too slow. Deleting one of them deletes the shared blob.
    /// </summary>
    public void Seed(DriveItemNode start, IReadOnlyList<string> segments, IEnumerable<string> names, byte[] content, string hash)
    {
        lock (Sync)
        {
            var folder = start;
            foreach (var segment in segments)
                folder = folder.Children.GetValueOrDefault(segment) ?? AddChild(folder, segment, folder: true);
            var blob = NewBlobPath();
            File.WriteAllBytes(blob, content);
            foreach (var name in names)
            {
                var node = AddChild(folder, name, folder: false);
                node.BlobPath = blob;
                node.FileSize = content.Length;
                node.QuickXorHash = hash;
            }
        }
    }

    public string NewBlobPath() => Path.Combine(_blobDirectory, Guid.NewGuid().ToString("N"));

    /// <summary>
    /// Stores a complete file whose bytes are at <paramref name="blobPath"/> (moved into the store on success,
    /// left to the caller otherwise). Returns null when the name exists and behavior is Fail (or the existing
    /// item is a folder and behavior is Replace). <paramref name="created"/> tells 201 from 200.
    /// </summary>
    public DriveItemNode? CommitFile(DriveItemNode parent, string name, ConflictBehavior behavior,
        string blobPath, long size, string hash, out bool created)
    {
        lock (Sync)
        {
            created = true;
            if (parent.Children.TryGetValue(name, out var existing))
            {
                if (behavior == ConflictBehavior.Fail) return null;
                if (behavior == ConflictBehavior.Rename) name = FreeName(parent, name);
                else if (existing.IsFolder) return null;
                else
                {
                    ReplaceContent(existing, blobPath, size, hash);
                    created = false;
                    return existing;
                }
            }
            var node = AddChild(parent, name, folder: false);
            SetContent(node, blobPath, size, hash);
            return node;
        }
    }

    public void ReplaceContent(DriveItemNode file, string blobPath, long size, string hash)
    {
        lock (Sync)
        {
            var old = file.BlobPath;
            SetContent(file, blobPath, size, hash);
            file.Version++;
            file.Modified = DateTimeOffset.UtcNow;
            if (old is not null) TryDelete(old);
        }
    }

    public void Delete(DriveItemNode node)
    {
        lock (Sync) Remove(node);
    }

    public long UsedBytes()
    {
        lock (Sync) return Root.Size;
    }

    public IReadOnlyList<StoredFileInfo> Files()
    {
        lock (Sync)
            return _byId.Values.Where(n => !n.IsFolder)
                .Select(n => new StoredFileInfo(n.Id, n.Path, n.FileSize, n.QuickXorHash))
                .OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
    }

    /// <summary>"/a/b" from the root, or an id.</summary>
    public DriveItemNode? FindByPathOrId(string pathOrId)
    {
        if (!pathOrId.StartsWith('/')) return Find(pathOrId);
        var segments = pathOrId.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return Resolve(Root, segments);
    }

    private void SetContent(DriveItemNode file, string blobPath, long size, string hash)
    {
        var target = NewBlobPath();
        File.Move(blobPath, target);
        file.BlobPath = target;
        file.FileSize = size;
        file.QuickXorHash = hash;
    }

    private DriveItemNode AddChild(DriveItemNode parent, string name, bool folder)
    {
        var node = new DriveItemNode { Id = _idPrefix + _nextId++, Name = name, IsFolder = folder, Parent = parent };
        parent.Children[name] = node;
        parent.SortedChildren = null;
        parent.Modified = DateTimeOffset.UtcNow;
        _byId[node.Id] = node;
        return node;
    }

    private void Remove(DriveItemNode node)
    {
        foreach (var child in node.Children.Values.ToList()) Remove(child);
        node.Parent?.Children.Remove(node.Name);
        if (node.Parent is not null) node.Parent.SortedChildren = null;
        _byId.Remove(node.Id);
        if (node.BlobPath is not null) TryDelete(node.BlobPath);
    }

    private static string FreeName(DriveItemNode parent, string name)
    {
        var stem = Path.GetFileNameWithoutExtension(name);
        var ext = Path.GetExtension(name);
        for (int i = 1; ; i++)
        {
            var candidate = $"{stem} {i}{ext}";
            if (!parent.Children.ContainsKey(candidate)) return candidate;
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } // an open download keeps reading its unlinked copy
    }
}
