using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ICSharpCode.SharpZipLib;
using ICSharpCode.SharpZipLib.GZip;
using ICSharpCode.SharpZipLib.Tar;

namespace OnedriveOffsite.Engine.Legacy;

/// <summary>
/// Streams the members of one archive (gzip over tar) without extracting anything to disk. Member names are
/// untrusted: only regular files named '&lt;digits&gt;_backup.crypt' pass, and only their number is used.
/// SharpZipLib (not System.Formats.Tar) because its TarInputStream reads forward-only streams with PAX headers
/// and lets us read each member into our own buffer; <see cref="TarHeaderGuardStream"/> bounds what its
/// extended headers may cost.
/// </summary>
internal sealed partial class LegacyArchiveReader : IDisposable
{
    private readonly string _archive;
    private readonly GZipInputStream _gzip;
    private readonly TarInputStream _tar;

    public LegacyArchiveReader(Stream raw, string archive)
    {
        _archive = archive;
        _gzip = new GZipInputStream(raw) { IsStreamOwner = false };
        // The guard sees every tar header before SharpZipLib, which would expand long-name/PAX data unbounded.
        var guarded = new TarHeaderGuardStream(_gzip,
            (type, size) => throw LegacyErrors.OversizedHeader(archive, type, size),
            reason => throw LegacyErrors.ArchiveCorrupt(archive, reason));
        _tar = new TarInputStream(guarded, Encoding.UTF8) { IsStreamOwner = false };
    }

    public sealed record Member(string Name, long Number, long Size);

    /// <summary>The next member, or null at the end of the tar.</summary>
    public Member? Next()
    {
        var entry = Guard(() => _tar.GetNextEntry());
        if (entry is null) return null;
        var type = entry.TarHeader.TypeFlag;
        var m = MemberName().Match(entry.Name);
        if (!m.Success || entry.IsDirectory || (type != TarHeader.LF_NORMAL && type != TarHeader.LF_OLDNORM))
            throw LegacyErrors.UnsafeMemberName(_archive, entry.Name);
        var digits = m.Groups[1].Value.TrimStart('0');
        // A number with more than 18 digits cannot be in sequence; report it as out of sequence, not overflow.
        var number = digits.Length > 18 ? long.MaxValue : digits.Length == 0 ? 0
            : long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        return new Member(entry.Name, number, entry.Size);
    }

    /// <summary>Reads the whole current member (<paramref name="length"/> bytes) into the start of <paramref name="buffer"/>.</summary>
    public void ReadMember(byte[] buffer, int length)
    {
        var done = 0;
        while (done < length)
        {
            var start = done;
            var n = Guard(() => _tar.Read(buffer, start, length - start));
            if (n <= 0) throw LegacyErrors.ArchiveCorrupt(_archive, "a member ends before its recorded size.");
            done += n;
        }
    }

    /// <summary>Reads the gzip stream to its end so its CRC and length trailer are checked.</summary>
    public void Finish()
    {
        var scratch = new byte[1 << 14];
        while (Guard(() => _gzip.Read(scratch, 0, scratch.Length)) > 0) { }
    }

    public void Dispose()
    {
        _tar.Dispose();
        _gzip.Dispose();
    }

    /// <summary>Library failures (bad gzip, bad tar header, truncation) become a corrupt-archive error.</summary>
    private T Guard<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (SharpZipBaseException e)
        {
            throw LegacyErrors.ArchiveCorrupt(_archive, e.Message, e);
        }
        catch (EndOfStreamException e)
        {
            throw LegacyErrors.ArchiveCorrupt(_archive, "it ends unexpectedly.", e);
        }
    }

    [GeneratedRegex(@"^([0-9]+)_backup\.crypt\z", RegexOptions.CultureInvariant)]
    private static partial Regex MemberName();
}
