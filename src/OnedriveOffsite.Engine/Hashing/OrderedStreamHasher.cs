using System.Security.Cryptography;

namespace OnedriveOffsite.Engine.Hashing;

/// <summary>
/// The SHA-256 of a stream whose parts are decoded in parallel but must be hashed in order, with no file to read them
/// back from (Test-OffsiteBackup -Full writes nothing). A part's worker waits (asynchronously, holding no thread) until
/// every earlier part was appended, so memory stays at the workers' own pipeline buffers; later parts' workers
/// simply pause. <see cref="Abandon"/> releases every waiter when a part fails (the hash is then meaningless).
/// </summary>
public sealed class OrderedStreamHasher : IDisposable
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly long[] _length;
    private readonly TaskCompletionSource[] _turn;
    private int _current;
    private long _currentDone;
    private volatile bool _abandoned;

    public OrderedStreamHasher(IReadOnlyList<long> partLengths)
    {
        _length = partLengths.ToArray();
        _turn = _length.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        _current = -1;
        Advance();
    }

    /// <summary>Appends the next bytes of <paramref name="part"/>, once every earlier part is complete.</summary>
    public async ValueTask AppendAsync(int part, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        if (data.IsEmpty) return;
        await _turn[part].Task.WaitAsync(ct).ConfigureAwait(false);
        if (_abandoned) return;
        if (part != _current || _currentDone + data.Length > _length[part])
            throw new InvalidOperationException($"Part {part} appended out of order or past its length.");
        _sha.AppendData(data.Span);
        _currentDone += data.Length;
        if (_currentDone == _length[part]) Advance();
    }

    /// <summary>Every waiter continues without hashing; <see cref="GetHash"/> is then unavailable.</summary>
    public void Abandon()
    {
        _abandoned = true;
        foreach (var turn in _turn) turn.TrySetResult();
    }

    /// <summary>The SHA-256 of all parts, once every part was appended completely.</summary>
    public byte[] GetHash() => _abandoned || _current < _length.Length
        ? throw new InvalidOperationException("Not every part was hashed.")
        : _sha.GetHashAndReset();

    // Moves to the next part with bytes (empty parts have nothing to append) and lets its worker in.
    private void Advance()
    {
        _current++;
        _currentDone = 0;
        while (_current < _length.Length && _length[_current] == 0) _turn[_current++].TrySetResult();
        if (_current < _length.Length) _turn[_current].TrySetResult();
    }

    public void Dispose() => _sha.Dispose();
}
