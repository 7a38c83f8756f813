using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Tests.Dedup;

/// <summary>A repository that fails (as a killed process stops) at its Nth change to packs or index files.</summary>
internal sealed class KilledAfter(ISnapshotRepository inner, int changesAllowed) : PassThroughRepository(inner)
{
    private int _changes;

    /// <summary>The changes made (not the one it was killed at), as "create name" / "delete name".</summary>
    public List<string> Done { get; } = new();

    private void Change(string what)
    {
        if (_changes++ >= changesAllowed) throw new IOException($"simulated kill before change {_changes}");
        lock (Done) Done.Add(what);
    }

    public override Task<IPartSink> CreateFileAsync(SnapshotLocation snapshot, string name, long? knownLength, CancellationToken ct)
    {
        Change("create " + name);
        return base.CreateFileAsync(snapshot, name, knownLength, ct);
    }

    public override Task DeleteFileAsync(SnapshotLocation snapshot, string name, CancellationToken ct)
    {
        Change("delete " + name);
        return base.DeleteFileAsync(snapshot, name, ct);
    }
}
