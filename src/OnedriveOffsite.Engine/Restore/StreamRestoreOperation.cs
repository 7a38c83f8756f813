using System.Security.Cryptography;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Pipeline;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Engine.Streams;

namespace OnedriveOffsite.Engine.Restore;

/// <summary>
/// Restores a snapshot (of a file or a stream) into a forward-only sink — a command's standard input or a stream —
/// with no local copy: parts in order, each checked against the manifest, every record authenticated before its
/// bytes are written, and the whole-stream SHA-256 checked at the end. A consumer receives bytes before the whole
/// hash can be known; on a mismatch (or any other failure) the sink is ended abnormally (a command is killed, so its
/// input never ends normally) and the run fails with <c>SourceHashMismatch</c>.
/// </summary>
public sealed class StreamRestoreOperation
{
    private const int PipelineDepth = 3;
    private readonly ISnapshotRepository _repository;
    private readonly MasterKey _key;

    public StreamRestoreOperation(ISnapshotRepository repository, MasterKey key)
    {
        _repository = repository;
        _key = key;
    }

    /// <param name="openSink">Starts the destination (e.g. the command); called once, after the manifest was read and checked.</param>
    public async Task<RestoreResult> RunAsync(SnapshotLocation location, Func<IByteSink> openSink, IOperationObserver observer,
        CancellationToken ct)
    {
        var manifest = await new RestoreOperation(_repository, _key).ReadManifestAsync(location, ct).ConfigureAwait(false);
        ThreadPoolSizing.EnsureFor(1);
        await using var sink = openSink();
        using var stopSink = ct.Register(sink.Abort);
        observer.Verbose(
            $"Restoring {location.Set}/{location.Snapshot} ('{manifest.Source.Name}', {manifest.Source.Length} bytes, " +
            $"{manifest.Parts.Count} part(s)) from {_repository.Description} into {sink.Description}. " +
            "Every record is authenticated before it is written; the whole-stream SHA-256 is checked at the end.");
        var progress =
            new StreamProgress(observer, ActivityText.Restore(manifest.Source.Name, location.Set, $" into {sink.Description}"), "written");
        using var current = TransferActivity.Enter(progress);
        var snapshotId = Convert.FromHexString(manifest.SnapshotId);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        string actual;
        try
        {
            foreach (var entry in manifest.Parts)
            {
                await RestorePartAsync(manifest, snapshotId, location, entry, sink, sha, progress, ct).ConfigureAwait(false);
                progress.PartStored(entry.Length, entry.StoredLength);
            }
            actual = Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
            if (actual != manifest.Source.Sha256)
                throw WholeHashMismatch(actual, manifest.Source.Sha256, sink.Description, location);
        }
        catch
        {
            sink.Abort();
            throw;
        }
        await sink.CompleteAsync(ct).ConfigureAwait(false);
        progress.Complete();
        observer.Verbose(
            $"Restored {manifest.Source.Length} bytes into {sink.Description}: SHA-256 {actual} verified, every part authenticated.");
        return new RestoreResult(sink.Description, manifest.Source.Length, actual,
            SnapshotCatalog.Describe(_repository, location, manifest, _key.KeyId), progress.Elapsed);
    }

    /// <summary>
    /// The failure of a restore into a sink whose whole SHA-256 differs (format 1 and format 2): the consumer already
    /// received authenticated bytes, so it is told not to use what it made.
    /// </summary>
    internal static OffsiteException WholeHashMismatch(string actual, string expected, string sink, SnapshotLocation location) =>
        new(ErrorIds.Snapshots.SourceHashMismatch, OffsiteErrorCategory.InvalidData,
            $"The restored data's SHA-256 {actual} differs from the original's {expected}. {sink} received bytes that were each " +
                "authenticated, but not the original whole: its input was ended abnormally (the command was stopped). Do not use " +
                "what it produced.", location.Snapshot);

    private async Task RestorePartAsync(SnapshotManifest manifest, byte[] snapshotId, SnapshotLocation location,
        SnapshotManifest.PartEntry entry,
        IByteSink sink, IncrementalHash sha, StreamProgress progress, CancellationToken ct)
    {
        var name = entry.File;
        await using var input = await _repository.OpenReadAsync(location, name, ct).ConfigureAwait(false);
        var headerBytes = new byte[PartHeader.Size];
        try { await input.ReadExactlyAsync(headerBytes, ct).ConfigureAwait(false); }
        catch (EndOfStreamException) { throw PartHeader.Corrupt(name, "it is shorter than a part header"); }
        var header = PartHeader.Parse(headerBytes, name);
        PartRestore.CheckBelongs(_key, manifest, snapshotId, location, entry, header, name);
        using var decoder = new PartDecoder(_key, header, headerBytes, input, name);
        var records = PartLayout.RecordCount(header.SourceLength, header.SegmentSize);
        await TwoStagePipeline.RunAsync(records, header.SegmentSize, PipelineDepth,
            async (record, buffer, token) => await decoder.ReadRecordAsync(buffer, token).ConfigureAwait(false),
            async (record, data, token) =>
            {
                sha.AppendData(data.Span);
                if (!data.IsEmpty) await sink.WriteAsync(data, token).ConfigureAwait(false);
                progress.Add(data.Length);
            }, ct).ConfigureAwait(false);
        if (await decoder.ReadRecordAsync(new byte[header.SegmentSize], ct).ConfigureAwait(false) != -1)
            throw PartHeader.Corrupt(name, "it has more records than its header says");
    }
}
