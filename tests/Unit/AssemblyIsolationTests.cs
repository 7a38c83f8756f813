using System.Reflection;
using Xunit;

namespace OnedriveOffsite.Tests;

/// <summary>
/// The cmdlet assembly loads into PowerShell's default load context; the engine and every third-party DLL load
/// into the module's private one (ModuleInitializer). That only works while the cmdlet assembly binds to nothing
/// but the engine, the framework and PowerShell: one direct reference to MSAL or Graph would make the default
/// context load our copy, and clash with the one another module (Az, Microsoft.Graph) already loaded.
/// </summary>
public class AssemblyIsolationTests
{
    private static readonly string[] ForbiddenPrefixes =
    {
        "Microsoft.Identity.", "Microsoft.IdentityModel.", "Microsoft.Graph", "Microsoft.Kiota", "Azure.",
        "ZstdSharp", "ICSharpCode.SharpZipLib", "AWSSDK", "MailKit", "MimeKit", "BouncyCastle", "Std.UriTemplate",
    };

    private static AssemblyName[] CmdletAssemblyReferences() =>
        typeof(OnedriveOffsite.ModuleInitializer).Assembly.GetReferencedAssemblies();

    [Fact]
    public void CmdletAssemblyIsTheModuleRoot()
    {
        Assert.Equal("OnedriveOffsite", typeof(OnedriveOffsite.ModuleInitializer).Assembly.GetName().Name);
    }

    [Fact]
    public void CmdletAssemblyReferencesNoIsolatedThirdPartyLibrary()
    {
        var offenders = CmdletAssemblyReferences()
            .Select(r => r.Name!)
            .Where(name => ForbiddenPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
            .ToList();

        Assert.True(offenders.Count == 0,
            $"OnedriveOffsite.dll references {string.Join(", ", offenders)} directly; go through the engine instead.");
    }

    [Fact]
    public void CmdletAssemblyReferencesOnlyTheEngineTheFrameworkAndPowerShell()
    {
        static bool Allowed(string name) =>
            name is "OnedriveOffsite.Engine" or "System.Management.Automation" or "netstandard" or "System.Runtime"
            || name.StartsWith("System.", StringComparison.Ordinal);

        var unexpected = CmdletAssemblyReferences().Select(r => r.Name!).Where(name => !Allowed(name)).ToList();

        Assert.True(unexpected.Count == 0,
            $"OnedriveOffsite.dll references {string.Join(", ", unexpected)}; the cmdlet assembly may bind only to the engine, System.* and System.Management.Automation.");
    }

    [Fact]
    public void CmdletAssemblyReferencesTheEngine()
    {
        Assert.Contains(CmdletAssemblyReferences(), r => r.Name == "OnedriveOffsite.Engine");
    }
}
