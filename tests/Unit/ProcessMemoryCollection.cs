using Xunit;

namespace OnedriveOffsite.Tests;

/// <summary>
/// Tests that measure the whole process's memory (working set, GC heap) run in this collection: alone, with no other
/// test class in parallel, so what they measure is theirs.
/// </summary>
[CollectionDefinition(nameof(ProcessMemoryCollection), DisableParallelization = true)]
public sealed class ProcessMemoryCollection;
