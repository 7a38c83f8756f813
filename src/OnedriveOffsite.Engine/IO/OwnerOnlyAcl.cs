namespace OnedriveOffsite.Engine.IO;

/// <summary>One access-control entry as the owner-only rule sees it: who, and whether it allows or denies.</summary>
internal readonly record struct AclEntry(string Sid, bool Allow);

/// <summary>
/// The Windows owner-only rule, as a pure function so that it is tested on every OS: an object is owner-only
/// when every entry that allows access names the current user, LocalSystem or the built-in Administrators
/// (who can take any file anyway), and the user has an entry. Deny entries never widen access. This is the
/// check behind <see cref="WindowsOwnerOnlyAccess.IsOwnerOnly"/>, and the entries it writes
/// (<see cref="WindowsOwnerOnlyAccess"/>: a protected list with the user alone) satisfy it.
/// </summary>
internal static class OwnerOnlyAcl
{
    public const string LocalSystemSid = "S-1-5-18";
    public const string AdministratorsSid = "S-1-5-32-544";

    public static bool IsOwnerOnly(IEnumerable<AclEntry> entries, string userSid)
    {
        var userAllowed = false;
        foreach (var entry in entries)
        {
            if (!entry.Allow) continue;
            if (string.Equals(entry.Sid, userSid, StringComparison.OrdinalIgnoreCase)) userAllowed = true;
            else if (entry.Sid is not (LocalSystemSid or AdministratorsSid)) return false;
        }
        return userAllowed;
    }
}
