using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Legacy;

/// <summary>
/// Every failure of a legacy restore, in one place so the stable ErrorIds are easy to review and document.
/// Messages name archives, members and paths, never key material.
/// </summary>
internal static class LegacyErrors
{
    public static OffsiteException BackupNotFound(string where) =>
        new(ErrorIds.Legacy.LegacyBackupNotFound, OffsiteErrorCategory.ObjectNotFound,
            $"No archives of the old service (named like '0001_offsite_backup.tar.gz') were found in {where}.", where);

    public static OffsiteException MultipleBackups(string where, IEnumerable<string> bases) =>
        new(ErrorIds.Legacy.LegacyMultipleBackups, OffsiteErrorCategory.InvalidData,
            $"{where} holds archives of more than one backup ({string.Join(", ", bases.Select(b => $"'{b}'"))}); " +
            "the old service kept one backup per folder. Move the archives of each backup into a folder of its own and restore from there.",
                where);

    public static OffsiteException ArchiveMissing(string where, string baseName, long counter) =>
        new(ErrorIds.Legacy.LegacyArchiveMissing, OffsiteErrorCategory.InvalidData,
            $"Archive number {counter} of backup '{baseName}' is missing in {where} (counters must run 0001, 0002, … without gaps).",
                where);

    public static OffsiteException ArchiveDuplicate(string where, IEnumerable<string> names) =>
        new(ErrorIds.Legacy.LegacyArchiveDuplicate, OffsiteErrorCategory.InvalidData,
            $"{where} holds several archives with the same number: {string.Join(", ", names.Select(n => $"'{n}'"))}.", where);

    public static OffsiteException ArchiveCorrupt(string archive, string reason, Exception? inner = null) =>
        new(ErrorIds.Legacy.LegacyArchiveCorrupt, OffsiteErrorCategory.InvalidData,
            $"The archive '{archive}' is damaged or incomplete: {reason}", archive, inner);

    public static OffsiteException UnsafeMemberName(string archive, string member) =>
        new(ErrorIds.Legacy.LegacyUnsafeMemberName, OffsiteErrorCategory.SecurityError,
            $"The archive '{archive}' holds an unexpected entry '{Printable(member)}'; only regular files named '<number>_backup.crypt' " +
            "are accepted (nothing from the archive is ever written under its own name).", archive);

    public static OffsiteException OversizedHeader(string archive, char type, long size) =>
        new(ErrorIds.Legacy.LegacyUnsafeMemberName, OffsiteErrorCategory.SecurityError,
            $"The archive '{archive}' holds a tar extended header (type '{type}') of {size:N0} bytes; the old service never wrote one " +
            $"larger than {TarHeaderGuardStream.MaxExtendedHeaderBytes:N0} bytes, so it is refused before it is read.", archive);

    public static OffsiteException MemberMissing(string archive, long expected, string? found) =>
        new(ErrorIds.Legacy.LegacyMemberMissing, OffsiteErrorCategory.InvalidData, found is null
            ? $"Encrypted chunk number {expected} is missing: the backup ends after chunk {expected - 1} in '{archive}'."
            : $"Encrypted chunk number {expected} is missing: '{archive}' continues with '{Printable(found)}'.", archive);

    public static OffsiteException MemberDuplicate(string archive, string member, long number) =>
        new(ErrorIds.Legacy.LegacyMemberDuplicate, OffsiteErrorCategory.InvalidData,
            $"The archive '{archive}' holds '{Printable(member)}' although chunk number {number} was already restored.", archive);

    public static OffsiteException NoMembers(string where) =>
        new(ErrorIds.Legacy.LegacyMemberMissing, OffsiteErrorCategory.InvalidData,
            $"The archives in {where} hold no encrypted chunks.", where);

    public static OffsiteException TokenCorrupt(string archive, string member, string reason) =>
        new(ErrorIds.Legacy.LegacyTokenCorrupt, OffsiteErrorCategory.InvalidData,
            $"The encrypted chunk '{Printable(member)}' in '{archive}' is damaged: {reason}", archive);

    public static OffsiteException KeyMismatch(string where, bool onlyOneChunk) =>
        new(ErrorIds.Legacy.LegacyKeyMismatch, OffsiteErrorCategory.InvalidArgument, onlyOneChunk
            ? $"The key does not match this backup ({where}): its only chunk fails authentication (or that chunk is damaged)."
            : $"The key does not match this backup ({where}): its first chunks fail authentication. Check that you use the key file of " +
                $"the service that made it.", where);

    public static OffsiteException ChunkSizeInconsistent(string archive, string member, long size, long expected) =>
        new(ErrorIds.Legacy.LegacyChunkSizeInconsistent, OffsiteErrorCategory.InvalidData,
            $"The chunk '{Printable(member)}' in '{archive}' holds {size:N0} bytes where every chunk but the last should hold " +
                $"{expected:N0}; " +
            "the folder seems to mix pieces of different backups.", archive);

    public static OffsiteException KeyNotFound(string path) =>
        new(ErrorIds.Legacy.LegacyKeyNotFound, OffsiteErrorCategory.ObjectNotFound, $"The key file '{path}' does not exist.", path);

    public static OffsiteException KeyInvalid(string? path) =>
        new(ErrorIds.Legacy.LegacyKeyInvalid, OffsiteErrorCategory.InvalidData,
            (path is null ? "The key" : $"The key file '{path}'") +
            " is not a key of the old service (expected 44 characters of url-safe base64 encoding 32 bytes).", path);

    public static OffsiteException HashFileNotFound(string path) =>
        new(ErrorIds.Legacy.LegacyHashFileNotFound, OffsiteErrorCategory.ObjectNotFound, $"The hash file '{path}' does not exist.", path);

    public static OffsiteException HashFileInvalid(string path) =>
        new(ErrorIds.Legacy.LegacyHashFileInvalid, OffsiteErrorCategory.InvalidData,
            $"The hash file '{path}' does not hold a SHA-256 hash (64 hexadecimal characters).", path);

    public static OffsiteException ExpectedHashInvalid() =>
        new(ErrorIds.Legacy.LegacyExpectedHashInvalid, OffsiteErrorCategory.InvalidArgument,
            "The expected SHA-256 must be 64 hexadecimal characters.");

    public static OffsiteException HashMismatch(string destination, string expected, string actual) =>
        new(ErrorIds.Legacy.LegacyHashMismatch, OffsiteErrorCategory.InvalidData,
            $"The restored data does not match the expected SHA-256 (expected {expected}, got {actual}); nothing was written to " +
                $"'{destination}'.", destination);

    /// <summary>Names from an archive are attacker-controlled: strip control characters before showing them.</summary>
    private static string Printable(string s)
    {
        var clean = new string(s.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return clean.Length <= 120 ? clean : clean[..120] + "…";
    }
}
