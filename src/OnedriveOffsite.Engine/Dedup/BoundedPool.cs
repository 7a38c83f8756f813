using System.Collections.Concurrent;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// At most <see cref="Capacity"/> reusable objects (buffers, batches), created on first need; renting waits while all
/// are out. This is what bounds a v2 pipeline's memory by design: a stage that runs ahead blocks on the pool instead of
/// allocating, and steady state allocates nothing (no large-object-heap churn, no fresh pages to fault in).
/// ArrayPool.Shared is not used: it keeps arrays per core and thread, so neither what it holds nor what a run can
/// take from it is bounded by this run's needs.
/// </summary>
internal sealed class BoundedPool<T> : IDisposable where T : class
{
    private readonly Func<T> _create;
    private readonly ConcurrentBag<T> _free = new();
    private readonly SemaphoreSlim _available;
    private int _created;

    public BoundedPool(int capacity, Func<T> create)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _create = create;
        _available = new SemaphoreSlim(capacity, capacity);
    }

    public int Capacity { get; }

    /// <summary>How many objects were ever created (never more than <see cref="Capacity"/>).</summary>
    public int Created => Volatile.Read(ref _created);

    /// <summary>How many times an object was handed out.</summary>
    public int Rented => Volatile.Read(ref _rented);
    private int _rented;

    public async ValueTask<T> RentAsync(CancellationToken ct)
    {
        await _available.WaitAsync(ct).ConfigureAwait(false);
        return Take();
    }

    /// <summary>For dedicated threads (the source reader): blocks while all objects are out.</summary>
    public T Rent(CancellationToken ct)
    {
        _available.Wait(ct);
        return Take();
    }

    public void Return(T item)
    {
        _free.Add(item);
        _available.Release();
    }

    private T Take()
    {
        Interlocked.Increment(ref _rented);
        if (_free.TryTake(out var item)) return item;
        Interlocked.Increment(ref _created);
        return _create();
    }

    public void Dispose() => _available.Dispose();
}
