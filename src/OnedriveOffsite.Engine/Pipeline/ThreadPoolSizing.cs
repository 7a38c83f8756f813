namespace OnedriveOffsite.Engine.Pipeline;

/// <summary>
/// Each part worker keeps two stages busy and some of their steps block (positional file I/O, hashing). On a
/// 2-core machine the thread pool starts with 2 threads and adds more only slowly, which starved the pipeline
/// (measured: 60 MB/s at 30% CPU instead of CPU-bound speed). So operations raise the pool's minimum to what
/// they will use before they start; a higher minimum only lets the pool create threads sooner.
/// </summary>
public static class ThreadPoolSizing
{
    public static void EnsureFor(int parallelParts)
    {
        var wanted = Math.Min(256, parallelParts * 3 + 4);
        ThreadPool.GetMinThreads(out var workers, out var io);
        if (workers < wanted) ThreadPool.SetMinThreads(wanted, Math.Max(io, wanted));
    }
}
