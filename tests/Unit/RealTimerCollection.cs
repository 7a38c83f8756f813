using Xunit;

namespace OnedriveOffsite.Tests;

/// <summary>
/// Tests whose product code must fire a real timer of a second or so (the upload and download stall watchdog) run in
/// this collection: alone, with no other test class in parallel. In a whole-suite run on a loaded machine a stalled
/// upload once failed in another way (a connection error after ~40 s) before the watchdog fired, and the stall went
/// unreported; the likeliest cause is the timer's callback waiting for a thread pool busy with the other tests. The
/// product's own runs size their pool for their workers (ThreadPoolSizing); the test process had no such bound.
/// </summary>
[CollectionDefinition(nameof(RealTimerCollection), DisableParallelization = true)]
public sealed class RealTimerCollection;
