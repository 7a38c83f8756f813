namespace OnedriveOffsite.Engine.Legacy;

/// <summary>
/// Sits between the gzip stream and SharpZipLib's tar reader and follows the tar structure itself (512-byte header,
/// then the entry's data rounded up to 512 bytes), so that it sees every header BEFORE the tar reader does.
/// SharpZipLib reads the whole data of a GNU long name ('L') or PAX header ('x') into one string when it meets
/// it — a 200 KB gzip can announce a 200 MB name and cost gigabytes — so such headers (and 'K', 'g') larger
/// than <see cref="MaxExtendedHeaderBytes"/> are refused here, before the reader can expand them.
/// Written by hand because no library option limits this (SharpZipLib 1.4 has none; System.Formats.Tar has
/// no limit either). Size fields are parsed strictly: anything the reader might read differently is refused,
/// so the two views of where the next header starts cannot drift apart.
/// </summary>
internal sealed class TarHeaderGuardStream : Stream
{
    /// <summary>Extended headers of the old service's archives hold a few short fields; 64 KiB is ample.</summary>
    public const int MaxExtendedHeaderBytes = 64 * 1024;

    private const int Block = 512;
    private readonly Stream _inner;
    private readonly Action<char, long> _refuse;
    private readonly Action<string> _corrupt;
    private readonly byte[] _header = new byte[Block];
    private int _headerFilled;
    private long _skip; // bytes of entry data (with padding) before the next header
    private bool _ended; // an all-zero block: the end of the archive; what follows is never read as entries

    /// <param name="refuse">Throws for an extended header (type, announced size) that is too large.</param>
    /// <param name="corrupt">Throws for a header whose size field cannot be read unambiguously.</param>
    public TarHeaderGuardStream(Stream inner, Action<char, long> refuse, Action<string> corrupt)
    {
        _inner = inner;
        _refuse = refuse;
        _corrupt = corrupt;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = _inner.Read(buffer, offset, count);
        Inspect(buffer.AsSpan(offset, n));
        return n;
    }

    public override int Read(Span<byte> buffer)
    {
        var n = _inner.Read(buffer);
        Inspect(buffer[..n]);
        return n;
    }

    private void Inspect(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty && !_ended)
        {
            if (_skip > 0)
            {
                var n = (int)Math.Min(_skip, data.Length);
                _skip -= n;
                data = data[n..];
                continue;
            }
            var take = Math.Min(Block - _headerFilled, data.Length);
            data[..take].CopyTo(_header.AsSpan(_headerFilled));
            _headerFilled += take;
            data = data[take..];
            if (_headerFilled == Block)
            {
                _headerFilled = 0;
                OnHeader();
            }
        }
    }

    private void OnHeader()
    {
        if (!_header.AsSpan().ContainsAnyExcept((byte)0))
        {
            _ended = true;
            return;
        }
        var size = ParseSize(_header.AsSpan(124, 12));
        if (size < 0) _corrupt("a tar header has an unreadable size field.");
        var type = (char)_header[156];
        if (type is 'L' or 'K' or 'x' or 'g' && size > MaxExtendedHeaderBytes) _refuse(type, size);
        _skip = (size + Block - 1) / Block * Block;
    }

    /// <summary>
    /// Octal digits, optionally after leading spaces and ended by NUL or space (then only NULs/spaces): the forms
    /// tar writers use. Anything else (base-256 sizes, stray characters): -1.
    /// </summary>
    internal static long ParseSize(ReadOnlySpan<byte> field)
    {
        var i = 0;
        while (i < field.Length && field[i] == (byte)' ') i++;
        long value = 0;
        var digits = 0;
        for (; i < field.Length && field[i] is >= (byte)'0' and <= (byte)'7'; i++, digits++)
        {
            if (digits >= 11) return -1; // more than 11 octal digits is beyond what a ustar size holds
            value = value * 8 + (field[i] - '0');
        }
        for (; i < field.Length; i++)
        {
            if (field[i] is not (0 or (byte)' ')) return -1;
        }
        return digits == 0 ? 0 : value;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
