using System.Diagnostics;
using System.Security.Cryptography;
using OnedriveOffsite.Engine.IO;
using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Engine.Legacy;

/// <summary>What a legacy restore produced.</summary>
/// <param name="VerifiedAgainstExpectedHash">True when the whole file matched the SHA-256 the caller gave
/// (the old service's local hash file); false when none was given (each chunk is still authenticated).</param>
public sealed record LegacyRestoreResult(string Destination, long Length, string Sha256, bool VerifiedAgainstExpectedHash, int ArchiveCount, int ChunkCount);

/// <summary>
/// Restores a backup made by the old Python service: streams its archives in counter order, checks the member
/// numbering, authenticates each Fernet token before decrypting it, and writes the plaintext sequentially to a
/// <see cref="PendingFile"/> while hashing it; the file gets its final name only when everything checked out.
/// Memory: one token (≤ 40 MB for production chunks) is held at a time, decrypted in place.
/// </summary>
public sealed class LegacyRestoreOperation
{
    /// <summary>
    /// The old service's chunks are 30,000,000 bytes at most, so its tokens are 40,000,100 characters at most;
    /// anything larger is refused before allocating for it, since the size comes from an untrusted tar header.
    /// </summary>
    internal const int MaxTokenChars = 40_000_100;

    private const string Activity = "Restoring legacy backup";

    public async Task<LegacyRestoreResult> RunAsync(ILegacyArchiveSource source, LegacyKey key, string destination,
        string? expectedSha256Hex, bool overwrite, IOperationObserver observer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        ArgumentNullException.ThrowIfNull(observer);
        string? expected = null;
        if (expectedSha256Hex is not null)
            expected = LegacyHashFile.TryNormalize(expectedSha256Hex) ?? throw LegacyErrors.ExpectedHashInvalid();

        var listing = await source.ListArchivesAsync(ct).ConfigureAwait(false);
        var set = LegacyArchiveSet.Select(listing, source.Description);
        foreach (var other in listing.Where(e => !set.Archives.Contains(e)))
            observer.Verbose($"Ignoring '{other.Name}': not an archive of the old service.");
        observer.Verbose($"Restoring backup '{set.BaseName}' from {source.Description}: {set.Archives.Count} archive(s), {set.StoredSize:N0} bytes stored.");

        using var pending = PendingFile.Create(destination, overwrite);
        var run = new Run(set, key, pending.Stream, source.Description, observer, ct);
        try
        {
            for (var i = 0; i < set.Archives.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                var archive = set.Archives[i];
                observer.Verbose($"Archive {i + 1} of {set.Archives.Count}: '{archive.Name}' ({archive.Size:N0} bytes).");
                var stream = await source.OpenArchiveAsync(archive, ct).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    run.ReadArchive(i, archive, stream);
                }
            }
            var sha = run.Finish();

            var verified = expected is not null;
            if (expected is not null && !string.Equals(expected, sha, StringComparison.Ordinal))
                throw LegacyErrors.HashMismatch(pending.Destination, expected, sha);
            if (!verified) WarnUnverified(run, observer);
            pending.Commit(overwrite);
            observer.Verbose($"Restored {run.Length:N0} bytes from {run.ChunkCount} chunk(s) to '{pending.Destination}' (SHA-256 {sha}" +
                (verified ? ", matches the expected hash)." : ")."));
            return new LegacyRestoreResult(pending.Destination, run.Length, sha, verified, set.Archives.Count, run.ChunkCount);
        }
        finally
        {
            run.Dispose();
            observer.Progress(new OperationProgress(0, Activity, "Done", run.BytesDone, set.StoredSize, run.Elapsed, Completed: true));
        }
    }

    private static void WarnUnverified(Run run, IOperationObserver observer)
    {
        observer.Warning("No expected SHA-256 was given (the old service kept it in /etc/onedrive-offsite/sha256hash_<dir>): " +
            "every chunk was authenticated with the key, but the whole file was not checked against an independent hash.");
        // Archives are only known by listing the folder: a lost last archive leaves no gap. A short last chunk
        // shows the backup ended there; a full one cannot tell.
        if (run.LastChunkWasFull)
            observer.Warning("The last chunk is full-sized, so a missing final archive could not be detected; compare the size " +
                $"({run.Length:N0} bytes) with the original if you can.");
    }

    /// <summary>The state of one restore run; single-threaded.</summary>
    private sealed class Run : IDisposable
    {
        private readonly LegacyArchiveSet _set;
        private readonly LegacyKey _key;
        private readonly Stream _output;
        private readonly string _where;
        private readonly IOperationObserver _observer;
        private readonly CancellationToken _ct;
        private readonly Aes _aes = Aes.Create();
        private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly LegacyChunkSequence _sequence = new();
        private readonly LegacyKeyJudge _judge = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly TransferRate _rate = new();
        // One token buffer for the whole run, grown to the largest member. Not ArrayPool.Shared: a 40 MB array
        // returned there would stay rooted for the life of the PowerShell session.
        private byte[] _buffer = [];
        private long _archiveBytesBefore;
        private long _chunkSize = -1;
        private (string Archive, string Member, long Length)? _last;

        public Run(LegacyArchiveSet set, LegacyKey key, Stream output, string where, IOperationObserver observer, CancellationToken ct)
        {
            _set = set;
            _key = key;
            _output = output;
            _where = where;
            _observer = observer;
            _ct = ct;
            _aes.Key = key.EncryptionKey;
        }

        public long Length { get; private set; }
        public int ChunkCount { get; private set; }
        public long BytesDone { get; private set; }
        public TimeSpan Elapsed => _clock.Elapsed;
        public bool LastChunkWasFull => _last is { } l && l.Length == _chunkSize;

        public void ReadArchive(int index, LegacyArchiveInfo archive, Stream raw)
        {
            var status = $"Archive {index + 1} of {_set.Archives.Count}: {archive.Name}";
            var counted = new ProgressReadStream(raw, _ct, n => Report(status, _archiveBytesBefore + n));
            using (var reader = new LegacyArchiveReader(counted, archive.Name))
            {
                var members = 0;
                while (reader.Next() is { } member)
                {
                    _ct.ThrowIfCancellationRequested();
                    _sequence.Accept(archive.Name, member);
                    ReadToken(reader, archive.Name, member);
                    members++;
                }
                reader.Finish();
                _observer.Verbose($"'{archive.Name}': {members} chunk(s), up to number {_sequence.Count}.");
            }
            if (archive.Size >= 0 && counted.BytesRead != archive.Size)
                throw LegacyErrors.ArchiveCorrupt(archive.Name, $"{counted.BytesRead:N0} bytes were read but the folder lists {archive.Size:N0}.");
            _archiveBytesBefore += counted.BytesRead;
        }

        /// <summary>Checks the whole sequence ended well; returns the SHA-256 of the output as lowercase hex.</summary>
        public string Finish()
        {
            _judge.Finish(_where);
            if (_sequence.Count == 0) throw LegacyErrors.NoMembers(_where);
            return Convert.ToHexString(_sha.GetHashAndReset()).ToLowerInvariant();
        }

        public void Dispose()
        {
            // The buffer ends up holding plaintext of the backup; do not leave it lying in freed memory.
            CryptographicOperations.ZeroMemory(_buffer);
            _aes.Dispose();
            _sha.Dispose();
        }

        private void ReadToken(LegacyArchiveReader reader, string archive, LegacyArchiveReader.Member member)
        {
            if (member.Size > MaxTokenChars || member.Size % 4 != 0 || member.Size == 0)
            {
                _judge.ThrowIfFirstFailed();
                throw LegacyErrors.TokenCorrupt(archive, member.Name, $"its size ({member.Size:N0} bytes) is not that of a token.");
            }
            var size = (int)member.Size;
            if (_buffer.Length < size)
            {
                CryptographicOperations.ZeroMemory(_buffer);
                _buffer = GC.AllocateUninitializedArray<byte>(size);
            }
            reader.ReadMember(_buffer, size);

            var length = UrlSafeBase64.DecodeInPlace(_buffer.AsSpan(0, size));
            var token = length < 0 ? Span<byte>.Empty : _buffer.AsSpan(0, length);
            var check = length < 0 ? FernetToken.Check.Malformed : FernetToken.Verify(token, _key);
            if (check is FernetToken.Check.Malformed or FernetToken.Check.BadVersion)
            {
                _judge.ThrowIfFirstFailed();
                throw LegacyErrors.TokenCorrupt(archive, member.Name, check == FernetToken.Check.BadVersion
                    ? $"its version byte is 0x{token[0]:x2}, not 0x80." : "it is not a well-formed token.");
            }
            if (!_judge.Admit(member.Number, check == FernetToken.Check.Ok, archive, member.Name, _where)) return;
            if (member.Number == 1) _observer.Verbose($"The backup was made on {FernetToken.Timestamp(token):u}.");

            Span<byte> plain;
            try
            {
                plain = FernetToken.DecryptInPlace(token, _aes);
            }
            catch (CryptographicException)
            {
                throw LegacyErrors.TokenCorrupt(archive, member.Name, "its padding is invalid although it is authentic.");
            }
            CheckChunkSize(archive, member.Name, plain.Length);
            _output.Write(plain);
            _sha.AppendData(plain);
            Length += plain.Length;
            ChunkCount++;
        }

        /// <summary>
        /// The old service cut the file into equal chunks; only the last may be shorter. A short chunk in the middle
        /// means the folder mixes pieces of different backups (each piece would still authenticate).
        /// </summary>
        private void CheckChunkSize(string archive, string member, long length)
        {
            if (_chunkSize < 0) _chunkSize = length;
            else if (_last is { } last && last.Length != _chunkSize) throw LegacyErrors.ChunkSizeInconsistent(last.Archive, last.Member, last.Length, _chunkSize);
            else if (length > _chunkSize) throw LegacyErrors.ChunkSizeInconsistent(archive, member, length, _chunkSize);
            _last = (archive, member, length);
        }

        private void Report(string status, long done)
        {
            _rate.Add(done - BytesDone);
            BytesDone = done;
            _observer.Progress(new OperationProgress(0, Activity, status, done, _set.StoredSize, _clock.Elapsed) { Remaining = _rate.Remaining(_set.StoredSize - done) });
        }
    }
}
