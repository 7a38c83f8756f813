using System.Security.Cryptography;
using System.Text;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Compression;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Engine.Restore;
using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Engine.Streams;
using Xunit;
using F = OnedriveOffsite.Tests.Snapshots.EngineFixture;

namespace OnedriveOffsite.Tests.Snapshots;

/// <summary>Stream backups (-InputStream's engine path) and stream restores, on a local repository.</summary>
public sealed class StreamBackupTests : IDisposable
{
    private readonly F _f = new();

    private Task<BackupResult> BackupStreamAsync(Stream stream, ISnapshotRepository? repository = null, CompressionMode mode = CompressionMode.Auto, int throttle = 3) =>
        new StreamBackupOperation(repository ?? _f.Repository, _f.Key).RunAsync(
            new StreamBackupRequest("streams", "data.bin", F.Part, mode, throttle, F.Segment), () => new StreamSource(stream), "stream", NullObserver.Instance, default);

    private async Task<byte[]> RestoreToMemoryAsync(SnapshotInfo s)
    {
        var output = new MemoryStream();
        await new StreamRestoreOperation(_f.Repository, _f.Key).RunAsync(new SnapshotLocation(s.Set, s.SnapshotId), () => new StreamSink(output), NullObserver.Instance, default);
        return output.ToArray();
    }

    public static TheoryData<int, bool> Sizes() => new()
    {
        { 0, false }, { 1, true }, { F.Segment, false }, { (int)F.Part, true }, { (int)F.Part + 1, false }, { (int)F.Part * 4 + F.Segment / 2, true },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task A_stream_read_in_odd_pieces_restores_bit_exact_into_a_stream_and_into_a_file(int size, bool compressible)
    {
        var content = compressible ? F.Text(size) : F.Random(size, size);
        var source = new TrickleStream(content, failAfter: -1);
        var result = await BackupStreamAsync(source);

        Assert.Equal(size, source.Position); // read once, to its end
        Assert.Equal((int)Math.Max(1, (size + F.Part - 1) / F.Part), result.Snapshot.PartCount);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant(), result.Snapshot.Sha256);
        Assert.Equal(content, await RestoreToMemoryAsync(result.Snapshot));
        var file = await _f.RestoreAsync(result.Snapshot);
        Assert.Equal(content, await File.ReadAllBytesAsync(file.Path));
    }

    [Fact]
    public async Task The_manifest_marks_a_stream_and_file_manifests_stay_without_the_new_members()
    {
        var stream = (await BackupStreamAsync(new MemoryStream(F.Random(1000)))).Manifest;
        Assert.Equal("", stream.Source.Path);
        Assert.Equal("stream", stream.Source.Kind);
        Assert.Equal("data.bin", stream.Source.Name);
        var file = await new BackupOperation(_f.Repository, _f.Key).RunAsync(new BackupRequest(_f.WriteSource("f.bin", F.Random(10)), "files"), NullObserver.Instance, default);
        var json = Encoding.UTF8.GetString(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(file.Manifest));
        Assert.DoesNotContain("\"kind\"", json);
        Assert.DoesNotContain("\"program\"", json);
    }

    [Fact]
    public async Task A_source_failing_mid_stream_fails_the_backup_and_leaves_no_manifest()
    {
        var error = await Assert.ThrowsAsync<IOException>(() => BackupStreamAsync(new TrickleStream(F.Random((int)F.Part * 3), failAfter: (int)F.Part + 5)));
        Assert.Contains("source broke", error.Message);
        var folders = await _f.Repository.ListSnapshotsAsync("streams", default);
        Assert.All(folders, f => Assert.False(f.HasManifest));
    }

    [Fact]
    public async Task A_part_the_repository_asks_for_again_is_resent_from_memory_without_rereading_the_source()
    {
        var content = F.Random((int)F.Part * 3 + 17);
        var source = new TrickleStream(content, failAfter: -1);
        var flaky = new FailFirstCompletionRepository(_f.Repository);
        var result = await BackupStreamAsync(source, flaky);
        Assert.Equal(4, flaky.Failures); // every part failed once and was stored on the second attempt
        Assert.Equal(content.Length, source.Position);
        Assert.Equal(content, await RestoreToMemoryAsync(result.Snapshot));
    }

    [Fact]
    public async Task A_whole_stream_hash_mismatch_fails_with_SourceHashMismatch_and_ends_the_sink_abnormally()
    {
        var result = await BackupStreamAsync(new MemoryStream(F.Random((int)F.Part * 2)));
        var location = new SnapshotLocation(result.Snapshot.Set, result.Snapshot.SnapshotId);
        // A manifest whose recorded hash differs (as if the parts were not the original): re-sealed with the key.
        var manifest = result.Manifest;
        manifest.Source.Sha256 = new string('0', 64);
        var path = Path.Combine(_f.SnapshotDir(result.Snapshot), SnapshotFiles.ManifestName);
        File.Delete(path);
        await _f.Repository.WriteManifestAsync(location, ManifestCodec.Encode(manifest, _f.Key, Convert.FromHexString(manifest.SnapshotId)), default);

        var sink = new RecordingSink();
        var error = await Assert.ThrowsAsync<OffsiteException>(() =>
            new StreamRestoreOperation(_f.Repository, _f.Key).RunAsync(location, () => sink, NullObserver.Instance, default));
        Assert.Equal("SourceHashMismatch", error.ErrorId);
        Assert.True(sink.Aborted);
        Assert.False(sink.Completed);
        Assert.Equal(F.Part * 2, sink.Written); // every byte it got was authenticated; the whole check came at the end
    }

    [Fact]
    public async Task A_failing_upload_fails_the_backup_with_its_own_error_and_kills_the_endless_command()
    {
        string[] command = OperatingSystem.IsWindows() ? new[] { "ping", "-t", "127.0.0.1" } : new[] { "cat", "/dev/zero" };
        var observer = new StartedProcessObserver();
        var broken = new BrokenRepository(_f.Repository);
        var error = await Assert.ThrowsAsync<OffsiteException>(() => new StreamBackupOperation(broken, _f.Key).RunAsync(
            new StreamBackupRequest("streams", "zero.bin", F.Part, CompressionMode.None, 2, F.Segment),
            () => CommandSource.Start(command, null, observer), "command", observer, default));
        Assert.Equal("OneDriveUnavailable", error.ErrorId); // the upload's error, not the killed command's exit code
        Assert.NotNull(observer.ProcessId);
        var exited = true;
        try { exited = System.Diagnostics.Process.GetProcessById(observer.ProcessId!.Value).WaitForExit(30_000); }
        catch (ArgumentException) { /* already gone */ }
        Assert.True(exited, "the command must be stopped when the upload fails");
    }

    [Fact]
    public void Bad_requests_are_refused_before_anything_starts()
    {
        Assert.Equal("InvalidSourceName", Assert.Throws<OffsiteException>(() => StreamBackupOperation.Validate(new StreamBackupRequest("s", "a/b"))).ErrorId);
        Assert.Equal("InvalidSourceName", Assert.Throws<OffsiteException>(() => StreamBackupOperation.Validate(new StreamBackupRequest("s", ".."))).ErrorId);
        Assert.Equal("InvalidPartSize", Assert.Throws<OffsiteException>(() => StreamBackupOperation.Validate(new StreamBackupRequest("s", "a", 10))).ErrorId);
        Assert.Equal("CommandNotStarted", Assert.Throws<OffsiteException>(() => CommandSource.Validate(Array.Empty<string>(), null)).ErrorId);
    }

    public void Dispose() => _f.Dispose();

    /// <summary>A non-seekable stream that hands out its bytes in small, uneven pieces (like a pipe), optionally breaking.</summary>
    private sealed class TrickleStream : Stream
    {
        private readonly byte[] _data;
        private readonly int _failAfter;
        private int _position;
        private int _call;

        public TrickleStream(byte[] data, int failAfter) { _data = data; _failAfter = failAfter; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_failAfter >= 0 && _position >= _failAfter) throw new IOException("The source broke.");
            var n = Math.Min(Math.Min(count, 1 + (_call++ * 7919) % 70000), _data.Length - _position);
            Array.Copy(_data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class StartedProcessObserver : IOperationObserver
    {
        public int? ProcessId;
        public void Verbose(string message)
        {
            var m = System.Text.RegularExpressions.Regex.Match(message, @"^Started '.*' \(process (\d+)\)");
            if (m.Success) ProcessId = int.Parse(m.Groups[1].Value);
        }
        public void Warning(string message) { }
        public void Progress(OperationProgress progress) { }
    }

    /// <summary>A repository whose third stored file fails for good (as OneDrive does once its retries are exhausted).</summary>
    private sealed class BrokenRepository : ISnapshotRepository
    {
        private readonly ISnapshotRepository _inner;
        private int _created;
        public BrokenRepository(ISnapshotRepository inner) => _inner = inner;
        public string Description => _inner.Description;
        public Task<IReadOnlyList<string>> ListSetsAsync(CancellationToken ct) => _inner.ListSetsAsync(ct);
        public Task<IReadOnlyList<StoredSnapshotFolder>> ListSnapshotsAsync(string set, CancellationToken ct) => _inner.ListSnapshotsAsync(set, ct);
        public Task<IPartSink> CreateFileAsync(SnapshotLocation snapshot, string name, long? knownLength, CancellationToken ct) =>
            Interlocked.Increment(ref _created) < 3 ? _inner.CreateFileAsync(snapshot, name, knownLength, ct)
                : throw new OffsiteException("OneDriveUnavailable", OffsiteErrorCategory.ConnectionError, "OneDrive is unavailable (test).");
        public Task<Stream> OpenReadAsync(SnapshotLocation snapshot, string name, CancellationToken ct) => _inner.OpenReadAsync(snapshot, name, ct);
        public Task WriteManifestAsync(SnapshotLocation snapshot, byte[] manifest, CancellationToken ct) => _inner.WriteManifestAsync(snapshot, manifest, ct);
        public Task<byte[]?> ReadManifestAsync(SnapshotLocation snapshot, CancellationToken ct) => _inner.ReadManifestAsync(snapshot, ct);
        public Task DeleteFileAsync(SnapshotLocation snapshot, string name, CancellationToken ct) => _inner.DeleteFileAsync(snapshot, name, ct);
        public Task DeleteSnapshotAsync(SnapshotLocation snapshot, CancellationToken ct) => _inner.DeleteSnapshotAsync(snapshot, ct);
        public Task<bool> TryCreateLockAsync(string? scope, byte[] content, CancellationToken ct) => _inner.TryCreateLockAsync(scope, content, ct);
        public Task<byte[]?> ReadLockAsync(string? scope, CancellationToken ct) => _inner.ReadLockAsync(scope, ct);
        public Task<bool> ReplaceLockAsync(string? scope, byte[] expected, byte[] content, CancellationToken ct) => _inner.ReplaceLockAsync(scope, expected, content, ct);
        public Task<bool> DeleteLockAsync(string? scope, byte[] expected, CancellationToken ct) => _inner.DeleteLockAsync(scope, expected, ct);
    }

    private sealed class RecordingSink : IByteSink
    {
        public long Written;
        public bool Aborted;
        public bool Completed;
        public string Description => "a recording sink";
        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct) { Written += data.Length; return ValueTask.CompletedTask; }
        public Task CompleteAsync(CancellationToken ct) { Completed = true; return Task.CompletedTask; }
        public void Abort() => Aborted = true;
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>A repository whose first completion of every part fails as a lost OneDrive upload session does.</summary>
    private sealed class FailFirstCompletionRepository : ISnapshotRepository
    {
        private readonly ISnapshotRepository _inner;
        private readonly HashSet<string> _failed = new();
        public FailFirstCompletionRepository(ISnapshotRepository inner) => _inner = inner;
        public int Failures { get { lock (_failed) return _failed.Count; } }
        public string Description => _inner.Description;
        public Task<IReadOnlyList<string>> ListSetsAsync(CancellationToken ct) => _inner.ListSetsAsync(ct);
        public Task<IReadOnlyList<StoredSnapshotFolder>> ListSnapshotsAsync(string set, CancellationToken ct) => _inner.ListSnapshotsAsync(set, ct);
        public async Task<IPartSink> CreateFileAsync(SnapshotLocation snapshot, string name, long? knownLength, CancellationToken ct)
        {
            var sink = await _inner.CreateFileAsync(snapshot, name, knownLength, ct);
            bool fail;
            lock (_failed) fail = _failed.Add(name);
            return fail ? new FailingSink(sink) : sink;
        }
        public Task<Stream> OpenReadAsync(SnapshotLocation snapshot, string name, CancellationToken ct) => _inner.OpenReadAsync(snapshot, name, ct);
        public Task WriteManifestAsync(SnapshotLocation snapshot, byte[] manifest, CancellationToken ct) => _inner.WriteManifestAsync(snapshot, manifest, ct);
        public Task<byte[]?> ReadManifestAsync(SnapshotLocation snapshot, CancellationToken ct) => _inner.ReadManifestAsync(snapshot, ct);
        public Task DeleteFileAsync(SnapshotLocation snapshot, string name, CancellationToken ct) => _inner.DeleteFileAsync(snapshot, name, ct);
        public Task DeleteSnapshotAsync(SnapshotLocation snapshot, CancellationToken ct) => _inner.DeleteSnapshotAsync(snapshot, ct);
        public Task<bool> TryCreateLockAsync(string? scope, byte[] content, CancellationToken ct) => _inner.TryCreateLockAsync(scope, content, ct);
        public Task<byte[]?> ReadLockAsync(string? scope, CancellationToken ct) => _inner.ReadLockAsync(scope, ct);
        public Task<bool> ReplaceLockAsync(string? scope, byte[] expected, byte[] content, CancellationToken ct) => _inner.ReplaceLockAsync(scope, expected, content, ct);
        public Task<bool> DeleteLockAsync(string? scope, byte[] expected, CancellationToken ct) => _inner.DeleteLockAsync(scope, expected, ct);

        private sealed class FailingSink : IPartSink
        {
            private readonly IPartSink _inner;
            public FailingSink(IPartSink inner) => _inner = inner;
            public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct) => _inner.WriteAsync(data, ct);
            public Task<StoredPartResult> CompleteAsync(CancellationToken ct) =>
                throw new RetryablePartException("UploadSessionLost", OffsiteErrorCategory.ConnectionError, "The upload session was lost (test).");
            public ValueTask DisposeAsync() => _inner.DisposeAsync();
        }
    }
}
