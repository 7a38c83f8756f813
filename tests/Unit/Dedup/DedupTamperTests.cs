using OnedriveOffsite.Engine.Snapshots;
using OnedriveOffsite.Engine.Repositories.Local;
using OnedriveOffsite.Engine.Backup;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Dedup;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Progress;
using OnedriveOffsite.Engine.Repositories;
using Xunit;
using F = OnedriveOffsite.Tests.Snapshots.EngineFixture;

namespace OnedriveOffsite.Tests.Dedup;

/// <summary>
/// docs/FORMAT.md §9.10: every v1 tamper case has a format v2 counterpart that restore catches with an error id
/// naming what is wrong, leaving no file behind.
/// </summary>
public sealed class DedupTamperTests : IDisposable
{
    private readonly DedupFixture _f = new();
    private readonly byte[] _content = F.Text(200_000).Concat(F.Random(400_000, seed: 7)).ToArray();

    private async Task<SnapshotInfo> Snapshot(string set = "set1", byte[]? content = null, string file = "data.bin") =>
        (await _f.BackupAsync(_f.Engine.WriteSource(file, content ?? _content), set)).Snapshot;

    private string SnapshotDir(SnapshotInfo s) => Path.Combine(_f.SetDir(s.Set), s.SnapshotId);

    private async Task<OffsiteException> AssertRestoreFails(SnapshotInfo s, string errorId, string? mentions = null)
    {
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => _f.RestoreAsync(s));
        Assert.Equal(errorId, ex.ErrorId);
        if (mentions is not null) Assert.Contains(mentions, ex.Message);
        Assert.Empty(_f.Engine.OutputFiles());
        return ex;
    }

    [Theory]
    [InlineData(100)]  // inside the first chunk record
    [InlineData(-1)]   // the last byte (tag of the last record)
    public async Task A_flipped_byte_in_a_pack_is_caught_and_names_the_pack(int offset)
    {
        var s = await Snapshot();
        var pack = _f.Packs()[1];
        var bytes = await File.ReadAllBytesAsync(pack);
        bytes[offset < 0 ? bytes.Length + offset : offset] ^= 0x01;
        await File.WriteAllBytesAsync(pack, bytes);
        await AssertRestoreFails(s, "PackCorrupt", Path.GetFileName(pack));
    }

    [Fact]
    public async Task A_flipped_byte_in_a_pack_header_is_caught()
    {
        var s = await Snapshot();
        var pack = _f.Packs()[0];
        var bytes = await File.ReadAllBytesAsync(pack);
        bytes[40] ^= 0x01; // the salt
        await File.WriteAllBytesAsync(pack, bytes);
        await AssertRestoreFails(s, "PackMismatch", Path.GetFileName(pack));
    }

    [Fact]
    public async Task A_truncated_pack_is_caught()
    {
        var s = await Snapshot();
        var pack = _f.Packs()[^1];
        using (var fs = new FileStream(pack, FileMode.Open)) fs.SetLength(fs.Length - 10);
        await AssertRestoreFails(s, "PackCorrupt", Path.GetFileName(pack));
    }

    [Fact]
    public async Task A_missing_pack_is_caught()
    {
        var s = await Snapshot();
        var pack = _f.Packs()[2];
        File.Delete(pack);
        await AssertRestoreFails(s, "PackMissing", Path.GetFileName(pack));
    }

    [Fact]
    public async Task An_index_entry_pointing_at_another_chunk_is_caught()
    {
        var s = await Snapshot();
        // Rewrite the set's index (with the key, as a buggy writer would) so that two chunks swap locations.
        var index = await V2Store.LoadIndexAsync(_f.Repository, _f.Engine.Key, "set1", default);
        var entries = index.Chunks.Select(c => new IndexEntry(c.Key, c.Value.Pack, c.Value.Offset, c.Value.StoredLength, c.Value.PlainLength)).ToList();
        var a = entries.FindIndex(e => e.Pack == 0);
        var b = entries.FindIndex(a + 1, e => e.Pack == 0 && e.PlainLength == entries[a].PlainLength);
        if (b < 0) b = entries.FindIndex(a + 1, e => e.Pack == 0);
        (entries[a], entries[b]) = (entries[a] with { Offset = entries[b].Offset, StoredLength = entries[b].StoredLength, PlainLength = entries[a].PlainLength },
                                    entries[b] with { Offset = entries[a].Offset, StoredLength = entries[a].StoredLength, PlainLength = entries[b].PlainLength });
        foreach (var old in Directory.GetFiles(Path.Combine(_f.SetDir(), V2Layout.IndexFolder))) File.Delete(old);
        var id = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
        await File.WriteAllBytesAsync(Path.Combine(_f.SetDir(), V2Layout.IndexFolder, V2Layout.IndexName(id)),
            await IndexFileCodec.EncodeAsync(_f.Engine.Key, id, null, "set1", index.Packs, entries));
        await AssertRestoreFails(s, "PackCorrupt", "failed authentication");
    }

    [Fact]
    public async Task Chunk_lists_swapped_between_snapshots_are_caught()
    {
        var s1 = await Snapshot();
        var s2 = await Snapshot(content: F.Random(300_000, seed: 8), file: "other.bin");
        var l1 = Path.Combine(SnapshotDir(s1), V2Layout.ChunkListName);
        var l2 = Path.Combine(SnapshotDir(s2), V2Layout.ChunkListName);
        File.Move(l1, l1 + ".x");
        File.Move(l2, l1);
        File.Move(l1 + ".x", l2);
        await AssertRestoreFails(s1, "ChunkListMismatch", s1.SnapshotId);
        await AssertRestoreFails(s2, "ChunkListMismatch", s2.SnapshotId);
    }

    [Fact]
    public async Task A_chunk_list_from_an_earlier_attempt_of_the_same_snapshot_is_caught()
    {
        var s = await Snapshot();
        var path = Path.Combine(SnapshotDir(s), V2Layout.ChunkListName);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[40] ^= 0x01; // another salt: what an earlier attempt would have written
        await File.WriteAllBytesAsync(path, bytes);
        await AssertRestoreFails(s, "ChunkListMismatch");
    }

    [Fact]
    public async Task A_flipped_byte_in_a_chunk_list_is_caught()
    {
        var s = await Snapshot();
        var path = Path.Combine(SnapshotDir(s), V2Layout.ChunkListName);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[V2Header.Size + 10] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);
        await AssertRestoreFails(s, "ChunkListCorrupt");
    }

    [Fact]
    public async Task A_manifest_moved_to_another_set_is_caught()
    {
        var s = await Snapshot();
        var other = Path.Combine(_f.SetDir("set2"), s.SnapshotId);
        Directory.CreateDirectory(Path.GetDirectoryName(other)!);
        Directory.Move(SnapshotDir(s), other);
        Directory.Move(Path.Combine(_f.SetDir(), V2Layout.PacksFolder), Path.Combine(_f.SetDir("set2"), V2Layout.PacksFolder));
        await AssertRestoreFails(s with { Set = "set2" }, "ManifestMisplaced", "set1");
    }

    [Fact]
    public async Task A_renamed_snapshot_folder_is_caught()
    {
        var s1 = await Snapshot();
        var s2 = await Snapshot();
        // Replace the newest snapshot by the older one under the newer name.
        Directory.Delete(SnapshotDir(s2), recursive: true);
        Directory.Move(SnapshotDir(s1), SnapshotDir(s2));
        await AssertRestoreFails(s2, "ManifestMisplaced", s1.SnapshotId);
    }

    [Fact]
    public async Task An_index_file_copied_from_another_set_is_caught()
    {
        await Snapshot(set: "set2");
        var s = await Snapshot();
        foreach (var file in Directory.GetFiles(Path.Combine(_f.SetDir("set2"), V2Layout.IndexFolder)))
            File.Copy(file, Path.Combine(_f.SetDir(), V2Layout.IndexFolder, Path.GetFileName(file)));
        await AssertRestoreFails(s, "IndexMisplaced", "set2");
    }

    [Fact]
    public async Task An_older_copy_of_a_pack_is_caught()
    {
        var s = await Snapshot();
        var path = _f.Packs()[0];
        V2Layout.TryParseId(Path.GetFileName(path), V2Layout.PackExtension, out var packId);
        // Same pack id, other salt: what an earlier, abandoned attempt to store this pack would have left.
        using var older = new PackBuilder(_f.Engine.Key, 1024, 4096, packId);
        older.Add(default, 0, new byte[100]);
        await File.WriteAllBytesAsync(path, older.Bytes.ToArray());
        await AssertRestoreFails(s, "PackMismatch", Path.GetFileName(path));
    }

    /// <summary>
    /// What only a faulty writer holding the key could make: a record that authenticates under a chunk's id but holds
    /// other bytes. Test -Full recomputes every chunk id and names it; a restore, which leaves that check to the
    /// whole-file SHA-256, refuses the result with SourceHashMismatch and leaves no file.
    /// </summary>
    [Fact]
    public async Task A_chunk_sealed_with_other_bytes_than_its_id_fails_Test_Full_by_its_id_and_the_restore_by_the_whole_hash()
    {
        var s = await Snapshot(content: F.Random(300_000, seed: 3)); // incompressible: chunks are stored as they are
        var key = _f.Engine.Key;
        var location = new SnapshotLocation(s.Set, s.SnapshotId);
        var manifest = await new DedupRestoreOperation(_f.Repository, key).ReadManifestAsync(location, default);
        ChunkId id;
        await using (var list = await _f.Repository.OpenReadAsync(location, V2Layout.ChunkListName, default))
        await using (var chunks = ChunkListReader.ReadAsync(list, key, manifest, "test", default).GetAsyncEnumerator())
        {
            Assert.True(await chunks.MoveNextAsync());
            id = chunks.Current.Id;
        }
        ChunkLocation loc;
        PackRecord pack;
        using (var index = await SetIndexLoader.LoadAsync(_f.Repository, key, s.Set, null, trustCache: false, NullObserver.Instance, default))
        {
            Assert.True(index.TryGet(id, out loc));
            pack = index.Packs[loc.Pack];
        }
        var path = Path.Combine(_f.SetDir(), V2Layout.PacksFolder, pack.Name);
        var bytes = await File.ReadAllBytesAsync(path);
        using (var cipher = new PackCipher(V2Keys.FileKey(key, V2FileKind.Pack, pack.Salt, pack.PackId), bytes[..V2Header.Size]))
        {
            var record = bytes.AsSpan((int)loc.Offset + 4, (int)loc.StoredLength - 4);
            var plain = new byte[record.Length - RecordCipher.TagSize];
            Assert.True(cipher.TryOpen(loc.Offset, id, record, plain));
            plain[^1] ^= 0x01;
            cipher.Seal(loc.Offset, id, plain, record);
        }
        await File.WriteAllBytesAsync(path, bytes);

        var verified = await new DedupVerifier(_f.Repository, key).VerifyAsync(location, Engine.Restore.VerificationDepth.Full, 0, 2,
            NullObserver.Instance, default);
        Assert.Contains(verified.Problems, p => p.Contains($"Chunk {id}") && p.Contains("other content than its id"));
        await AssertRestoreFails(s, ErrorIds.Snapshots.SourceHashMismatch);
    }

    [Fact]
    public async Task A_flipped_byte_in_the_manifest_is_caught()
    {
        var s = await Snapshot();
        var path = Path.Combine(SnapshotDir(s), SnapshotFiles.ManifestName);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[^3] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);
        await AssertRestoreFails(s, "ManifestCorrupt");
    }

    [Fact]
    public async Task A_flipped_byte_in_an_index_file_is_caught()
    {
        var s = await Snapshot();
        var path = Directory.GetFiles(Path.Combine(_f.SetDir(), V2Layout.IndexFolder)).Single();
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[V2Header.Size + 20] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);
        await AssertRestoreFails(s, "IndexCorrupt", Path.GetFileName(path));
    }

    [Fact]
    public async Task Another_key_is_named_before_anything_else_is_read()
    {
        var s = await Snapshot();
        foreach (var pack in _f.Packs()) File.Delete(pack);
        var ex = await Assert.ThrowsAsync<OffsiteException>(() => new DedupRestoreOperation(_f.Repository, MasterKey.Generate())
            .RunAsync(new SnapshotLocation(s.Set, s.SnapshotId), Path.Combine(_f.Engine.OutDir, "x.bin"), false, 4, NullObserver.Instance, default));
        Assert.Equal("KeyMismatch", ex.ErrorId);
        Assert.Contains(_f.Engine.Key.KeyId, ex.Message);
        Assert.Empty(_f.Engine.OutputFiles());
    }

    public void Dispose() => _f.Dispose();
}
