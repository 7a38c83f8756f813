using System.Collections.Concurrent;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Legacy;
using OnedriveOffsite.Engine.Progress;
using Xunit;
using OnedriveOffsite.Engine.Repositories.Local;

namespace OnedriveOffsite.Tests.Legacy;

/// <summary>A temp directory removed with everything in it.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "oo-legacy-" + Guid.NewGuid().ToString("N")[..12]);

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

internal sealed class RecordingObserver : IOperationObserver
{
    public ConcurrentQueue<string> Verbose { get; } = new();
    public ConcurrentQueue<string> Warnings { get; } = new();
    public ConcurrentQueue<OperationProgress> Progress { get; } = new();

    void IOperationObserver.Verbose(string message) => Verbose.Enqueue(message);
    void IOperationObserver.Warning(string message) => Warnings.Enqueue(message);
    void IOperationObserver.Progress(OperationProgress progress) => Progress.Enqueue(progress);
}

internal static class LegacyTestData
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "data", "legacy");
    public static string SampleFolder => Path.Combine(Root, "sample_multi");
    public static string KeyFile => Path.Combine(Root, "onedrive-offsite.key");
    public static string HashFile => Path.Combine(Root, "sha256hash_sample_multi");
    public static string Original => Path.Combine(Root, "sample_multi.original.bin");

    public static Task<LegacyRestoreResult> Restore(string folder, LegacyKey key, string destination, string? expected = null,
        IOperationObserver? observer = null, bool overwrite = false, CancellationToken ct = default) =>
        new LegacyRestoreOperation().RunAsync(new LocalLegacyArchiveSource(folder), key, destination, expected, overwrite,
            observer ?? NullObserver.Instance, ct);

    /// <summary>Asserts the restore fails with <paramref name="errorId"/> and leaves nothing beside the destination.</summary>
    public static async Task<OffsiteException> AssertFailsCleanly(string errorId, string destination, Func<Task> restore)
    {
        var before = Directory.GetFileSystemEntries(Path.GetDirectoryName(destination)!).Order().ToList();
        var e = await Assert.ThrowsAsync<OffsiteException>(restore);
        Assert.Equal(errorId, e.ErrorId);
        Assert.False(File.Exists(destination), "the destination must not exist after a failure");
        var after = Directory.GetFileSystemEntries(Path.GetDirectoryName(destination)!).Order().ToList();
        Assert.Equal(before, after);   // in particular no '.<name>.oo-partial-*' temp file
        return e;
    }
}
