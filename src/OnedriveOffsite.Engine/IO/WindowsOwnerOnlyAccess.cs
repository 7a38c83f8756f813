using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;

namespace OnedriveOffsite.Engine.IO;

/// <summary>
/// Windows: an explicit, protected access list (no inherited entries) granting the current user full control and
/// nobody else, given at creation through <see cref="FileSystemAclExtensions"/> so the file is never readable by
/// others, even when the config home lives under a shared folder (ONEDRIVE_OFFSITE_HOME, -ConfigPath).
/// Not run by the test suite (it runs on Linux); <see cref="OwnerOnlyAcl"/>, its decision rule, is.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class WindowsOwnerOnlyAccess : IOwnerOnlyAccess
{
    private static SecurityIdentifier User => WindowsIdentity.GetCurrent().User
        ?? throw new InvalidOperationException("The current Windows account has no security identifier.");

    public FileStream CreateNew(string path)
    {
        var security = new FileSecurity();
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        security.AddAccessRule(new FileSystemAccessRule(User, FileSystemRights.FullControl, AccessControlType.Allow));
        return new FileInfo(path).Create(FileMode.CreateNew, FileSystemRights.Write | FileSystemRights.Synchronize,
            FileShare.None, 4096, FileOptions.None, security);
    }

    public void CreateDirectory(string path)
    {
        var full = Path.GetFullPath(path);
        // Create(DirectorySecurity) makes only the last level; parents (e.g. %APPDATA% itself) keep their own lists.
        if (Path.GetDirectoryName(full) is { } parent) Directory.CreateDirectory(parent);
        new DirectoryInfo(full).Create(DirectorySecurity());
    }

    /// <summary>
    /// Replaces the directory's list with the owner-only one unless it already is owner-only. A directory we may not
    /// change (made by an administrator for a service account) is left as it is: every secret file in it carries its
    /// own owner-only list.
    /// </summary>
    public void Restrict(string directory)
    {
        if (IsOwnerOnly(directory)) return;
        try { new DirectoryInfo(directory).SetAccessControl(DirectorySecurity()); }
        catch (UnauthorizedAccessException) { }
    }

    public bool IsOwnerOnly(string path)
    {
        FileSystemSecurity security = Directory.Exists(path)
            ? new DirectoryInfo(path).GetAccessControl()
            : new FileInfo(path).GetAccessControl();
        var entries = security.GetAccessRules(includeExplicit: true, includeInherited: true, typeof(SecurityIdentifier))
            .Cast<FileSystemAccessRule>()
            .Select(r => new AclEntry(r.IdentityReference.Value, r.AccessControlType == AccessControlType.Allow));
        return OwnerOnlyAcl.IsOwnerOnly(entries, User.Value);
    }

    private static DirectorySecurity DirectorySecurity()
    {
        var security = new DirectorySecurity();
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        security.AddAccessRule(new FileSystemAccessRule(User, FileSystemRights.FullControl,
            InheritanceFlags.ContainerInherit | InheritanceFlags.ObjectInherit, PropagationFlags.None, AccessControlType.Allow));
        return security;
    }
}
