namespace OnedriveOffsite.Engine.Hashing;

/// <summary>
/// What a backup's part worker tells the whole-file hash about each segment it has just read from the source:
/// part <c>part</c> has its first <c>endInPart</c> bytes read, the last of them being <c>bytes</c> (valid only
/// during the call).
/// </summary>
public interface ISourceReadObserver
{
    void Read(int part, long endInPart, ReadOnlySpan<byte> bytes);

    /// <summary>Ignores every read (a part stored again from bytes the whole-file hash has already covered).</summary>
    public static readonly ISourceReadObserver None = new NoObserver();

    private sealed class NoObserver : ISourceReadObserver
    {
        public void Read(int part, long endInPart, ReadOnlySpan<byte> bytes) { }
    }
}
