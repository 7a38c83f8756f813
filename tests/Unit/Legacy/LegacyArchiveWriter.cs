using System.Buffers.Binary;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using ICSharpCode.SharpZipLib.GZip;
using ICSharpCode.SharpZipLib.Tar;

namespace OnedriveOffsite.Tests.Legacy;

/// <summary>What <see cref="LegacyArchiveWriter"/> wrote.</summary>
internal sealed record WrittenBackup(string Folder, IReadOnlyList<string> Archives, int Members, long Length, string Sha256);

/// <summary>A member about to be written; tests can rename, drop, repeat or damage it through the Tamper hook.</summary>
internal sealed record TarMember(string Name, byte[] Data, byte TypeFlag = TarHeader.LF_NORMAL);

/// <summary>
/// Writes backups the way the old Python service did (Fernet tokens over fixed-size chunks, '&lt;i&gt;_backup.crypt'
/// members zero-padded like the old code, gzip over tar, '&lt;counter&gt;_&lt;base&gt;' archives), streaming chunk by
/// chunk so production-size backups (30,000,000-byte chunks) can be generated without holding them in memory.
/// The plaintext is a seeded pseudo-random stream, so tests compare hashes instead of keeping originals.
/// </summary>
internal sealed class LegacyArchiveWriter
{
    public const int ProductionChunkSize = 30_000_000;

    private readonly byte[] _signingKey;
    private readonly byte[] _encryptionKey;

    public LegacyArchiveWriter(string keyText)
    {
        var raw = Convert.FromBase64String(keyText.Trim().Replace('-', '+').Replace('_', '/'));
        _signingKey = raw[..16];
        _encryptionKey = raw[16..];
    }

    public int ChunkSize { get; init; } = ProductionChunkSize;
    public int MembersPerArchive { get; init; } = 333;
    public string BaseName { get; init; } = "offsite_backup.tar.gz";
    /// <summary>Deflate level: 9 like the old service; large tests use 1 so that generating stays fast.</summary>
    public int CompressionLevel { get; init; } = 9;
    /// <summary>Called for each member (1-based number); returns what to write in its place.</summary>
    public Func<int, TarMember, IEnumerable<TarMember>>? Tamper { get; init; }

    /// <summary>A fresh Fernet key as the old service stored it (url-safe base64 of 32 random bytes).</summary>
    public static string NewKeyText() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_');

    public WrittenBackup Write(string folder, long length, ulong seed)
    {
        Directory.CreateDirectory(folder);
        var chunks = (int)((length + ChunkSize - 1) / ChunkSize);
        var width = Math.Max(1, (int)Math.Ceiling(Math.Log10((double)length / ChunkSize + 1)));
        var random = new PseudoRandom(seed);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new byte[ChunkSize];
        var archives = new List<string>();
        var member = 0;
        for (var archive = 1; member < chunks; archive++)
        {
            var name = $"{archive:D4}_{BaseName}";
            archives.Add(name);
            using var file = File.Create(Path.Combine(folder, name));
            using var gzip = new GZipOutputStream(file) { IsStreamOwner = false };
            gzip.SetLevel(CompressionLevel);
            using var tar = new TarOutputStream(gzip, Encoding.UTF8) { IsStreamOwner = false };
            for (var k = 0; k < MembersPerArchive && member < chunks; k++)
            {
                member++;
                var size = (int)Math.Min(ChunkSize, length - (long)(member - 1) * ChunkSize);
                random.Fill(chunk.AsSpan(0, size));
                sha.AppendData(chunk, 0, size);
                var original = new TarMember(member.ToString().PadLeft(width, '0') + "_backup.crypt", EncryptToken(chunk.AsSpan(0, size)));
                foreach (var m in Tamper?.Invoke(member, original) ?? [original]) WriteMember(tar, m);
            }
        }
        return new WrittenBackup(folder, archives, chunks, length, Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant());
    }

    /// <summary>One Fernet token as ASCII bytes: url-safe base64 of 0x80 ‖ time ‖ IV ‖ AES-128-CBC ‖ HMAC-SHA256.</summary>
    public byte[] EncryptToken(ReadOnlySpan<byte> plain)
    {
        var cipherLength = (plain.Length / 16 + 1) * 16;
        var token = new byte[25 + cipherLength + 32];
        token[0] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(token.AsSpan(1), (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        RandomNumberGenerator.Fill(token.AsSpan(9, 16));
        using (var aes = Aes.Create())
        {
            aes.Key = _encryptionKey;
            aes.EncryptCbc(plain, token.AsSpan(9, 16), token.AsSpan(25, cipherLength), PaddingMode.PKCS7);
        }
        HMACSHA256.HashData(_signingKey, token.AsSpan(0, 25 + cipherLength), token.AsSpan(25 + cipherLength));
        var text = new byte[Base64.GetMaxEncodedToUtf8Length(token.Length)];
        Base64.EncodeToUtf8(token, text, out _, out var written);
        for (var i = 0; i < written; i++) text[i] = text[i] switch { (byte)'+' => (byte)'-', (byte)'/' => (byte)'_', var c => c };
        return written == text.Length ? text : text[..written];
    }

    private static void WriteMember(TarOutputStream tar, TarMember m)
    {
        var entry = TarEntry.CreateTarEntry("placeholder");
        entry.TarHeader.Name = m.Name;   // set the header directly: CreateTarEntry would normalise hostile names
        entry.TarHeader.TypeFlag = m.TypeFlag;
        entry.Size = m.TypeFlag == TarHeader.LF_NORMAL ? m.Data.Length : 0;
        entry.ModTime = DateTime.UtcNow;
        tar.PutNextEntry(entry);
        if (entry.Size > 0) tar.Write(m.Data, 0, m.Data.Length);
        tar.CloseEntry();
    }

    /// <summary>xorshift64*: a fast, seeded byte stream (System.Random with a seed is several times slower).</summary>
    private sealed class PseudoRandom(ulong seed)
    {
        private ulong _state = seed | 1;

        public void Fill(Span<byte> span)
        {
            var words = MemoryMarshal.Cast<byte, ulong>(span);
            for (var i = 0; i < words.Length; i++) words[i] = Next();
            for (var i = words.Length * 8; i < span.Length; i++) span[i] = (byte)Next();
        }

        private ulong Next()
        {
            _state ^= _state >> 12;
            _state ^= _state << 25;
            _state ^= _state >> 27;
            return _state * 0x2545F4914F6CDD1DUL;
        }
    }
}
