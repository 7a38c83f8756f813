using OnedriveOffsite.Engine.IO;

namespace OnedriveOffsite.Engine.Auth;

/// <summary>
/// A cross-process exclusive lock on a lock file (an open FileStream with FileShare.None: an OS lock that
/// other processes, and other opens in this process, cannot take). The lock file is never deleted: deleting
/// it while someone waits would let two holders lock two different files.
/// </summary>
internal sealed class FileLock : IDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(25);
    private readonly FileStream _stream;

    private FileLock(FileStream stream) => _stream = stream;

    public static async Task<FileLock> AcquireAsync(string path, TimeSpan timeout, CancellationToken ct)
    {
        OwnerOnlyFile.EnsureOwnerOnlyDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = OwnerOnlyFile.CreateOptions(FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            try { return new FileLock(new FileStream(path, options)); }
            catch (IOException) when (DateTime.UtcNow < deadline) { await Task.Delay(RetryDelay, ct).ConfigureAwait(false); }
            catch (IOException ex) { throw AuthErrors.TokenCacheLocked(path, ex); }
        }
    }

    public void Dispose() => _stream.Dispose();
}
