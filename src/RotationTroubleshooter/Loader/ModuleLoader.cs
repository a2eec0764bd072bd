using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace RotationTroubleshooter.Commands.Loader;

/// <summary>
/// Serves the engine and its dependencies (AWSSDK.Core and friends) from dependencies/ in a private load context,
/// so the module works beside AWS.Tools, which loads another AWSSDK.Core into the default context.
/// </summary>
public sealed class ModuleLoader : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private const string EngineAssemblyName = "RotationTroubleshooter.Engine";

    private static readonly string DependencyFolder = Path.Combine(
        Path.GetDirectoryName(typeof(ModuleLoader).Assembly.Location)!, "dependencies");

    private static readonly EngineLoadContext Context = new(DependencyFolder);
    private static int _registered;

    public void OnImport()
    {
        // Import after Remove-Module runs OnImport again in the same process: register once.
        if (Interlocked.Exchange(ref _registered, 1) == 0)
            AssemblyLoadContext.Default.Resolving += ResolveEngine;
    }

    public void OnRemove(PSModuleInfo module)
    {
        if (Interlocked.Exchange(ref _registered, 0) == 1)
            AssemblyLoadContext.Default.Resolving -= ResolveEngine;
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == EngineAssemblyName ? Context.LoadFromAssemblyName(name) : null;

    private sealed class EngineLoadContext(string folder) : AssemblyLoadContext("RotationTroubleshooter", isCollectible: false)
    {
        protected override Assembly? Load(AssemblyName name)
        {
            var path = Path.Combine(folder, name.Name + ".dll");
            // Anything not shipped in dependencies/ (the framework) comes from the default context.
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
