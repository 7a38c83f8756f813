using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Repositories.Local;
using OnedriveOffsite.Engine.Repositories.Memory;
using OnedriveOffsite.Tests.OneDrive;

namespace OnedriveOffsite.Tests.Repositories;

public sealed class LocalRepositoryContract : RepositoryContract
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "oo-contract-" + Guid.NewGuid().ToString("N")[..8]);

    protected override Task<ISnapshotRepository> OpenEmptyAsync()
    {
        Directory.CreateDirectory(_root);
        return Task.FromResult<ISnapshotRepository>(new LocalRepository(_root));
    }

    protected override Task CloseAsync()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}

public sealed class OneDriveRepositoryContract : RepositoryContract
{
    private OneDriveFixture? _fixture;

    protected override async Task<ISnapshotRepository> OpenEmptyAsync()
    {
        _fixture = await OneDriveFixture.StartAsync();
        return _fixture.Repository;
    }

    protected override async Task CloseAsync()
    {
        _fixture!.AssertCleanProtocol();
        await _fixture.DisposeAsync();
    }
}

public sealed class MemoryRepositoryContract : RepositoryContract
{
    protected override Task<ISnapshotRepository> OpenEmptyAsync() => Task.FromResult<ISnapshotRepository>(new MemoryRepository());
}
