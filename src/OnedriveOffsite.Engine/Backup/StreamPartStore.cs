using System.Security.Cryptography;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Backup;

/// <summary>What every part of one stream backup shares.</summary>
internal sealed record StreamPartContext(
    MasterKey Key,
    byte[] SnapshotId,
    int SegmentSize,
    CompressionMode Compression,
    ISnapshotRepository Repository,
    SnapshotLocation Location,
    StreamProgress Progress,
    IOperationObserver Observer);

/// <summary>
/// Stores one held part of a stream backup: hashes it, compresses and encrypts each segment IN PLACE (a record fits
/// in the segment's buffer), so the part's exact stored size is known before its upload starts (OneDrive upload
/// sessions need it: no spool file), then writes it. When the repository asks for the part again (lost upload
/// session, hash mismatch), the same encoded bytes are re-sent from memory: the source cannot be read again.
/// </summary>
internal static class StreamPartStore
{
    public static async Task<SnapshotManifest.PartEntry> StoreAsync(StreamPartContext c, HeldPart part, bool streamLooksCompressed,
        SegmentCompressor compressor, CancellationToken ct)
    {
        var codec = ChooseCodec(c.Compression, streamLooksCompressed, part, compressor);
        var header = new PartHeader(c.SnapshotId, c.Key.KeyIdBytes, part.Index, part.Offset, part.Length, codec, c.SegmentSize,
            RandomNumberGenerator.GetBytes(32));
        var plainSha256 = EncodeInPlace(c.Key, header, part, compressor);
        var name = SnapshotFiles.PartName(part.Index);
        var storedLength = PartHeader.Size + part.Lengths.Sum(l => (long)l);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var stored = await WriteAsync(c, part, name, header.ToBytes(), storedLength, ct).ConfigureAwait(false);
                c.Progress.PartStored(part.Length, stored.Length);
                c.Observer.Verbose($"Stored {name}: stream bytes {part.Offset}-{part.Offset + part.Length} ({part.Length} bytes), " +
                    $"{codec}, {stored.Length} bytes stored.");
                return new SnapshotManifest.PartEntry
                {
                    Index = part.Index,
                    File = name,
                    Offset = part.Offset,
                    Length = part.Length,
                    Codec = codec,
                    Salt = Convert.ToHexString(header.Salt).ToLowerInvariant(),
                    PlainSha256 = plainSha256,
                    StoredLength = stored.Length,
                    StoredQuickXorHash = stored.Checksum?.ManifestQuickXorHash,
                };
            }
            catch (RetryablePartException e) when (attempt < PartBackup.MaxPartAttempts)
            {
                // Re-sending identical ciphertext under the same key and nonces reveals nothing new (GCM is only
                // harmed by DIFFERENT plaintexts under one nonce); see docs/DECISIONS.md "Stream backups".
                c.Observer.Verbose($"{e.ErrorId}: {e.Message} Sending {name} again from memory " +
                    $"(attempt {attempt + 1} of {PartBackup.MaxPartAttempts}).");
                TransferActivity.Current?.Retrying(attempt + 1, PartBackup.MaxPartAttempts, null);
            }
        }
    }

    private static async Task<StoredPartResult> WriteAsync(StreamPartContext c, HeldPart part, string name, byte[] headerBytes,
        long storedLength, CancellationToken ct)
    {
        await using var sink = await c.Repository.CreateFileAsync(c.Location, name, storedLength, ct).ConfigureAwait(false);
        await sink.WriteAsync(headerBytes, ct).ConfigureAwait(false);
        for (var i = 0; i < part.Buffers.Count; i++)
            await sink.WriteAsync(part.Buffers[i].AsMemory(0, part.Lengths[i]), ct).ConfigureAwait(false);
        var stored = await sink.CompleteAsync(ct).ConfigureAwait(false);
        if (stored.Length != storedLength)
            throw new OffsiteException(ErrorIds.Backup.StoredSizeMismatch, OffsiteErrorCategory.WriteError,
                $"The repository stored {stored.Length} bytes for {name}, expected {storedLength}.", name);
        return stored;
    }

    /// <summary>Replaces every plain segment by its encoded record; returns the part's plain SHA-256.</summary>
    private static string EncodeInPlace(MasterKey key, PartHeader header, HeldPart part, SegmentCompressor compressor)
    {
        using var encoder = new PartEncoder(key, header, compressor);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (part.Buffers.Count == 0) part.NewSegment(); // an empty part is one empty record
        var records = part.Buffers.Count;
        for (var i = 0; i < records; i++)
        {
            var buffer = part.Buffers[i];
            var plain = buffer.AsSpan(0, part.Lengths[i]);
            sha.AppendData(plain);
            part.Lengths[i] = encoder.Encode(i, i == records - 1, plain, buffer);
        }
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }

    /// <summary>As <see cref="CodecChooser"/> for files, sampling the held segments instead of the file.</summary>
    private static PartCompression ChooseCodec(CompressionMode mode, bool streamLooksCompressed, HeldPart part,
        SegmentCompressor compressor)
    {
        switch (mode)
        {
            case CompressionMode.None: return PartCompression.Stored;
            case CompressionMode.Zstd: return PartCompression.Zstd;
        }
        if (streamLooksCompressed || part.Length == 0) return PartCompression.Stored;
        var count = part.Buffers.Count;
        var samples = Math.Min(CompressibilityProbe.SamplesPerPart, count);
        var scratch = new byte[part.Lengths.Max()];
        for (var i = 0; i < samples; i++)
        {
            var segment = samples == 1 ? 0 : (count - 1) * i / (samples - 1);
            if (CompressibilityProbe.Shrinks(compressor, part.Buffers[segment].AsSpan(0, part.Lengths[segment]), scratch))
                return PartCompression.Zstd;
        }
        return PartCompression.Stored;
    }
}
