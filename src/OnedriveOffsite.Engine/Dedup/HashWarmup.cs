using System.Diagnostics;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// Gets the managed BLAKE3 code optimized before a v2 pipeline feeds it a file. .NET first runs every method as
/// unoptimized tier-0 code and recompiles the hot ones on a background thread; for BLAKE3's SIMD code tier 0 is ~40×
/// slower (measured: 1 MiB keyed in 20–28 ms instead of 0.5 ms), and with a busy pipeline on every core the background
/// compiler got CPU so rarely that a 1 GiB backup ran at tier-0 speed for 15 of its 23 seconds (docs/DECISIONS.md
/// "v2 speed: hash warm-up"). So before the pipeline starts, this hashes a little, pausing between rounds so the
/// compiler can run, until a round is fast or <see cref="MaxWait"/> passed. Once per process; inputs are constants.
/// </summary>
internal static class HashWarmup
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(3);
    /// <summary>A keyed 1 MiB round this fast (200 MB/s) is optimized code: tier 0 manages about 40 MB/s.</summary>
    private static readonly TimeSpan FastRound = TimeSpan.FromMilliseconds(5);
    private static readonly object Gate = new();
    private static Task? _warming;

    /// <summary>True once a round was fast (for tests and the verbose log).</summary>
    public static bool Optimized { get; private set; }

    /// <summary>Starts the warm-up (once per process) and returns it; it never throws and never exceeds <see cref="MaxWait"/>.</summary>
    public static Task EnsureStarted()
    {
        lock (Gate) return _warming ??= Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    private static void Run()
    {
        try
        {
            var data = new byte[1 << 20];
            for (var i = 0; i < data.Length; i++) data[i] = (byte)(i * 31 + (i >> 9));
            var key = new byte[32];
            Span<byte> hash = stackalloc byte[32];
            var total = Stopwatch.StartNew();
            using var hasher = Blake3.Hasher.NewKeyed(key);
            while (total.Elapsed < MaxWait)
            {
                var round = Stopwatch.StartNew();
                // The shapes a pipeline uses: chunks of 16–256 KiB (keyed), whole packs (unkeyed, multi-MiB).
                for (var at = 0; at < data.Length; at += 64 << 10)
                {
                    hasher.Reset();
                    hasher.Update(data.AsSpan(at, 64 << 10));
                    hasher.Finalize(hash);
                }
                hasher.Reset();
                hasher.Update(data.AsSpan(0, 256 << 10));
                hasher.Finalize(hash);
                Blake3.Hasher.Hash(data);
                if (round.Elapsed < FastRound)
                {
                    Optimized = true;
                    return;
                }
                Thread.Sleep(10);
            }
        }
        catch
        {
            // Only a speed-up: a failure here must not fail a backup.
        }
    }
}
