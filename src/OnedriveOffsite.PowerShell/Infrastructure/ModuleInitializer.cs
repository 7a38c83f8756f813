using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace OnedriveOffsite;

/// <summary>
/// Assembly isolation (see docs/DECISIONS.md): the engine and every third-party DLL live in the module's
/// <c>Dependencies/</c> folder and load into one private <see cref="AssemblyLoadContext"/>. The default context
/// is only taught to find the engine assembly itself; everything the engine needs then resolves inside the
/// private context, so another module's MSAL/Graph version in the same session cannot clash with ours.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    internal const string EngineAssemblyName = "OnedriveOffsite.Engine";

    private static readonly string DependencyDirectory = Path.Combine(
        Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "Dependencies");

    private static readonly DependencyLoadContext LoadContext = new(DependencyDirectory);

    public void OnImport()
    {
        AssemblyLoadContext.Default.Resolving += ResolveEngine;
        Infrastructure.RedirectedOutputRendering.Apply();
    }

    public void OnRemove(PSModuleInfo module) => AssemblyLoadContext.Default.Resolving -= ResolveEngine;

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == EngineAssemblyName ? LoadContext.LoadFromAssemblyName(name) : null;

    private sealed class DependencyLoadContext : AssemblyLoadContext
    {
        private readonly string _directory;

        public DependencyLoadContext(string directory) : base("OnedriveOffsite", isCollectible: false) => _directory = directory;

        protected override Assembly? Load(AssemblyName name)
        {
            var candidate = Path.Combine(_directory, name.Name + ".dll");
            return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        {
            var candidate = Path.Combine(_directory, unmanagedDllName);
            return File.Exists(candidate) ? LoadUnmanagedDllFromPath(candidate) : IntPtr.Zero;
        }
    }
}
