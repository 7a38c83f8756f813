namespace OnedriveOffsite.Engine.Legacy;

/// <summary>
/// The global numbering of members across all archives: exactly 1, 2, 3, … in stream order, whatever number
/// of members each archive holds. The old service never checked this (and sorted names as text).
/// </summary>
internal sealed class LegacyChunkSequence
{
    private long _next = 1;

    public long Count => _next - 1;

    public void Accept(string archive, LegacyArchiveReader.Member member)
    {
        if (member.Number == _next)
        {
            _next++;
            return;
        }
        if (member.Number >= 1 && member.Number < _next) throw LegacyErrors.MemberDuplicate(archive, member.Name, member.Number);
        throw LegacyErrors.MemberMissing(archive, _next, member.Name);
    }
}

/// <summary>
/// Tells a wrong key from a damaged token. A wrong key fails every token's HMAC, damage fails one: so when the
/// first token fails, the verdict waits for the second (or the end of a one-chunk backup).
/// </summary>
internal sealed class LegacyKeyJudge
{
    private (string Archive, string Member)? _firstFailed;

    /// <summary>
    /// Called with each token's HMAC result in order. Returns true when the token may be decrypted; false when
    /// the first token failed and the verdict is deferred. Throws the verdict otherwise.
    /// </summary>
    public bool Admit(long number, bool authentic, string archive, string member, string where)
    {
        if (number == 1 && !authentic)
        {
            _firstFailed = (archive, member);
            return false;
        }
        if (_firstFailed is { } first)
        {
            throw authentic
                ? LegacyErrors.TokenCorrupt(first.Archive, first.Member,
                    "its authentication tag does not match (the following chunks are intact, so the key is right).")
                : LegacyErrors.KeyMismatch(where, onlyOneChunk: false);
        }
        if (!authentic) throw LegacyErrors.TokenCorrupt(archive, member, "its authentication tag does not match.");
        return true;
    }

    /// <summary>
    /// Called before judging a token that cannot even be parsed: if the first token already failed, two chunks
    /// are bad, and the first one is reported.
    /// </summary>
    public void ThrowIfFirstFailed()
    {
        if (_firstFailed is { } first) throw LegacyErrors.TokenCorrupt(first.Archive, first.Member,
            "its authentication tag does not match.");
    }

    /// <summary>At the end of the backup: a one-chunk backup whose only token failed.</summary>
    public void Finish(string where)
    {
        if (_firstFailed is not null) throw LegacyErrors.KeyMismatch(where, onlyOneChunk: true);
    }
}
