using OnedriveOffsite.Engine.IO;
using Xunit;

namespace OnedriveOffsite.Tests.Security;

/// <summary>
/// OwnerOnlyFile's use of the platform's owner-only primitives, through a recording fake (the Windows
/// implementation cannot run here), and the Windows owner-only rule as the pure function it is.
/// </summary>
public sealed class OwnerOnlyFileTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "oo-acl-" + Guid.NewGuid().ToString("N")[..8]);

    private sealed class RecordingAccess : IOwnerOnlyAccess
    {
        public List<string> Calls { get; } = new();

        public FileStream CreateNew(string path)
        {
            Calls.Add("CreateNew " + path);
            return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        }

        public void CreateDirectory(string path)
        {
            Calls.Add("CreateDirectory " + path);
            Directory.CreateDirectory(path);
        }

        public void Restrict(string directory) => Calls.Add("Restrict " + directory);

        public bool IsOwnerOnly(string path) => true;
    }

    [Fact]
    public void A_secret_in_a_new_config_home_creates_the_directory_owner_only_and_the_file_through_an_owner_only_create()
    {
        var access = new RecordingAccess();
        var home = Path.Combine(_root, "home");
        var file = Path.Combine(home, "offsite.key");

        OwnerOnlyFile.WriteAllBytes(access, file, "secret"u8, restrictDirectory: true);

        Assert.Equal(2, access.Calls.Count);
        Assert.Equal("CreateDirectory " + home, access.Calls[0]);
        Assert.StartsWith("CreateNew " + Path.Combine(home, ".offsite.key."), access.Calls[1]);
        Assert.EndsWith(".tmp", access.Calls[1]);
        Assert.Equal("secret", File.ReadAllText(file));
        Assert.Equal(new[] { file }, Directory.GetFiles(home));
    }

    [Fact]
    public void Replacing_a_secret_in_an_existing_config_home_restricts_the_directory_and_writes_a_fresh_owner_only_file()
    {
        var access = new RecordingAccess();
        Directory.CreateDirectory(_root);
        var file = Path.Combine(_root, "notification.secret");
        File.WriteAllText(file, "old");

        OwnerOnlyFile.WriteAllBytes(access, file, "new"u8, restrictDirectory: true);

        Assert.Equal("Restrict " + _root, access.Calls[0]);
        Assert.StartsWith("CreateNew " + Path.Combine(_root, ".notification.secret."), access.Calls[1]);
        Assert.Equal(2, access.Calls.Count);
        Assert.Equal("new", File.ReadAllText(file));
    }

    [Fact]
    public void An_export_into_a_directory_the_user_chose_leaves_that_directory_alone()
    {
        var access = new RecordingAccess();
        Directory.CreateDirectory(_root);
        var file = Path.Combine(_root, "key-copy.txt");

        OwnerOnlyFile.WriteAllBytes(access, file, "OOK2-x"u8, restrictDirectory: false);

        Assert.StartsWith("CreateNew ", Assert.Single(access.Calls));
        Assert.Equal("OOK2-x", File.ReadAllText(file));
    }

    [Fact]
    public void The_real_platform_access_makes_files_and_new_directories_owner_only()
    {
        var home = Path.Combine(_root, "real", "home");
        var file = Path.Combine(home, "token.bin");

        OwnerOnlyFile.WriteAllBytes(file, "token"u8);

        Assert.True(OwnerOnlyFile.IsOwnerOnly(file));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(home));
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            Assert.False(OwnerOnlyFile.IsOwnerOnly(file));
        }
    }

    [Fact]
    public void Owner_only_stream_options_carry_the_mode_access_share_buffer_and_options_asked_for()
    {
        var options = OwnerOnlyFile.CreateOptions(FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, bufferSize: 1 << 16,
            options: FileOptions.DeleteOnClose);

        Assert.Equal(FileMode.CreateNew, options.Mode);
        Assert.Equal(FileAccess.ReadWrite, options.Access);
        Assert.Equal(FileShare.Read, options.Share);
        Assert.Equal(1 << 16, options.BufferSize);
        Assert.Equal(FileOptions.DeleteOnClose, options.Options);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, options.UnixCreateMode);
    }

    [UnixFact]
    public void A_file_created_with_owner_only_stream_options_is_mode_0600_not_the_umask_default()
    {
        Directory.CreateDirectory(_root);
        var file = Path.Combine(_root, "spool.bin");

        using (var stream = new FileStream(file, OwnerOnlyFile.CreateOptions(FileMode.CreateNew, FileAccess.Write, FileShare.None)))
            stream.Write("x"u8);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [UnixFact]
    public void A_restore_writes_its_unverified_plaintext_into_an_owner_only_temp_file()
    {
        Directory.CreateDirectory(_root);

        using var pending = PendingFile.Create(Path.Combine(_root, "restored.bin"), overwrite: false);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(pending.TempPath));
    }

    private const string User = "S-1-5-21-1004336348-1177238915-682003330-1001";

    public static TheoryData<string, bool, string[]> AclCases => new()
    {
        { "the user alone", true, new[] { "+" + User } },
        { "the user with LocalSystem and Administrators", true, new[] { "+" + User, "+S-1-5-18", "+S-1-5-32-544" } },
        { "a deny for Everyone only narrows access", true, new[] { "+" + User, "-S-1-1-0" } },
        { "BUILTIN\\Users may read", false, new[] { "+" + User, "+S-1-5-32-545" } },
        { "Everyone may read", false, new[] { "+S-1-1-0", "+" + User } },
        { "Authenticated Users may read", false, new[] { "+" + User, "+S-1-5-11" } },
        { "another account may read", false, new[] { "+" + User, "+S-1-5-21-1004336348-1177238915-682003330-1002" } },
        { "the user has no entry", false, new[] { "+S-1-5-18" } },
        { "no entries at all", false, Array.Empty<string>() },
    };

    [Theory]
    [MemberData(nameof(AclCases))]
    public void The_Windows_owner_only_rule(string why, bool ownerOnly, string[] entries)
    {
        var acl = entries.Select(e => new AclEntry(e[1..], e[0] == '+'));
        Assert.True(ownerOnly == OwnerOnlyAcl.IsOwnerOnly(acl, User), why);
    }

    [Fact]
    public void The_Windows_owner_only_rule_compares_sids_without_regard_to_case() =>
        Assert.True(OwnerOnlyAcl.IsOwnerOnly(new[] { new AclEntry(User.ToLowerInvariant(), true) }, User));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}
