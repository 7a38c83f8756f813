using OnedriveOffsite.Engine.Hashing;
using OnedriveOffsite.Engine.IO;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;

namespace OnedriveOffsite.Engine.Repositories.OneDrive;

/// <summary>Where a sink stores its file: the folder below the repository root and the file name.</summary>
internal sealed record UploadDestination(string FolderPath, string Name)
{
    public string Path => GraphDrive.Join(FolderPath, Name);
}

/// <summary>
/// Receives one stored file and uploads it through its own upload session, computing its quickXorHash on the way
/// and comparing it with the one OneDrive reports at the end.
/// <para>Known size (parts stored without compression, manifests, packs): whole fragments and the file's end are
/// sent straight from the caller's memory, smaller writes are gathered in one fragment buffer; zero temp disk.
/// Unknown size (zstd parts): an upload session needs the total size with the first fragment, so the file is
/// spooled to ONE owner-only temp file (ciphertext only; unlinked at once on Unix, so nothing outlives the process
/// even after kill -9; deleted on close on Windows) and uploaded once complete; temp disk is then at most
/// ThrottleLimit × part size.</para>
/// </summary>
internal sealed class OneDriveUploadSink : IPartSink
{
    private readonly OneDriveContext _ctx;
    private readonly UploadDestination _target;
    private readonly long? _knownLength;
    private readonly QuickXorHash _hash = new();
    private readonly FileStream? _spool;
    private byte[]? _buffer;
    private int _filled;
    private long _written;
    private long _sent;
    private UploadSessionClient? _session;
    private bool _completed;

    public OneDriveUploadSink(OneDriveContext ctx, UploadDestination target, long? knownLength)
    {
        _ctx = ctx;
        _target = target;
        _knownLength = knownLength;
        // A killed run must leave no spool behind (OpenScratch).
        if (knownLength is null) _spool = OwnerOnlyFile.OpenScratch("onedrive-offsite-", 1 << 16, FileOptions.Asynchronous, ".spool");
    }

    private string What => $"uploading {_target.Path}";

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        _hash.Append(data.Span);
        _written += data.Length;
        if (_spool is not null)
        {
            await _spool.WriteAsync(data, ct).ConfigureAwait(false);
            return;
        }
        if (_written > _knownLength) throw GraphErrors.SizeMismatch(_target.Path, _knownLength.Value, _written);
        while (!data.IsEmpty)
        {
            // A whole fragment, or the rest of the file, with nothing buffered before it: sent from the caller's memory
            // (valid until this returns). A format 2 pack arrives whole, so it needs no fragment buffer at all: one new
            // 10 MiB buffer per 16 MiB pack was most of a backup's garbage and its peak RSS (docs/PERFORMANCE.md).
            if (_filled == 0 && (data.Length >= _ctx.Options.FragmentSize || _written == _knownLength))
            {
                using var uploading = TransferActivity.Doing("uploading");
                var piece = data[..(int)Math.Min(data.Length, _ctx.Options.FragmentSize)];
                data = data[await SendAsync(piece, _knownLength!.Value, ct).ConfigureAwait(false)..];
                continue;
            }
            _buffer ??= new byte[(int)Math.Min(_ctx.Options.FragmentSize, Math.Max(1, _knownLength!.Value))];
            var n = Math.Min(data.Length, _buffer.Length - _filled);
            data.Span[..n].CopyTo(_buffer.AsSpan(_filled));
            _filled += n;
            data = data[n..];
            if (_filled == _buffer.Length) await FlushBufferAsync(_knownLength!.Value, ct).ConfigureAwait(false);
        }
    }

    public async Task<StoredPartResult> CompleteAsync(CancellationToken ct)
    {
        if (_spool is not null)
        {
            await _spool.FlushAsync(ct).ConfigureAwait(false);
            _spool.Position = 0;
            _buffer = new byte[(int)Math.Min(_ctx.Options.FragmentSize, Math.Max(1, _written))];
            while (_sent < _written)
            {
                // Any leftover of the previous fragment is already at the front of the buffer; top it up.
                var n = (int)Math.Min(_buffer.Length - _filled, _written - _sent - _filled);
                await _spool.ReadExactlyAsync(_buffer.AsMemory(_filled, n), ct).ConfigureAwait(false);
                _filled += n;
                await FlushBufferAsync(_written, ct).ConfigureAwait(false);
            }
        }
        else
        {
            if (_written != _knownLength) throw GraphErrors.SizeMismatch(_target.Path, _knownLength!.Value, _written);
            while (_filled > 0) await FlushBufferAsync(_written, ct).ConfigureAwait(false);
        }
        // empty files are never stored
        var done = _session?.Completed ?? throw GraphErrors.RequestFailed(What, 0, "upload did not complete");
        var local = _hash.GetBase64();
        if (done.Size != _written) throw GraphErrors.SizeMismatch(_target.Path, _written, done.Size);
        if (done.QuickXorHash is not null && !string.Equals(done.QuickXorHash, local, StringComparison.Ordinal))
        {
            // Remove the damaged copy so the part's next attempt (new salt, same name) can be stored.
            await _ctx.Drive.DeleteAsync(done.Id, $"removing the damaged {_target.Path}", ct).ConfigureAwait(false);
            _ctx.Retry.Observer.Verbose(
                $"quickXorHash of {_target.Path} differs from OneDrive's: removed it, the part will be stored again.");
            throw GraphErrors.HashMismatch(_target.Path, local, done.QuickXorHash);
        }
        _completed = true;
        // Only what OneDrive reported: a null hash means "not confirmed", and -RemoveSource then reads the part back.
        return new StoredPartResult(_written,
            done.QuickXorHash is null ? null : new StoredChecksum(StoredChecksum.QuickXorHash, done.QuickXorHash));
    }

    /// <summary>Sends the buffer; bytes the session could not take yet (under 320 KiB) move to its front.</summary>
    private async Task FlushBufferAsync(long total, CancellationToken ct)
    {
        // A spooled part was counted as done while it was encoded; its upload comes after, so say how far it is.
        using var uploading = TransferActivity.Doing(_spool is null ? "uploading"
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"uploading ({_sent * 100 / Math.Max(1, total)}% sent)"));
        var consumed = await SendAsync(_buffer.AsMemory(0, _filled), total, ct).ConfigureAwait(false);
        var left = _filled - consumed;
        if (left > 0) Buffer.BlockCopy(_buffer!, consumed, _buffer!, 0, left);
        _filled = left;
    }

    /// <summary>Sends <paramref name="bytes"/> (the next ones after those sent); returns how many the session took.</summary>
    private async Task<int> SendAsync(ReadOnlyMemory<byte> bytes, long total, CancellationToken ct)
    {
        _session ??= await _ctx.StartUploadAsync(_target, total, What, ct).ConfigureAwait(false);
        var accepted = await _session.SendAsync(bytes, _sent, ct).ConfigureAwait(false);
        var consumed = (int)(accepted - _sent);
        _sent = accepted;
        return consumed;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_completed && _session is { Completed: null } abandoned) await abandoned.CancelAsync().ConfigureAwait(false);
        if (_spool is not null) await _spool.DisposeAsync().ConfigureAwait(false);
        _buffer = null;
    }
}
