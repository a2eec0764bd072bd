using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace RotationTroubleshooter.Tests.Bundles;

/// <summary>
/// Builds libpq-like shared objects and driver modules with gcc once per test run, from the C sources in fixtures/.
/// </summary>
public sealed class NativeFixtures : IDisposable
{
    public const string RealLibpqPath = "/usr/lib/x86_64-linux-gnu/libpq.so.5";
    public const string AwsRunPath94 = "/local/p4clients/pkgbuild-lS8fe/workspace/build/PostgreSQL/PostgreSQL-9.4.x_client_only.530.0/AL2012/DEV.STD.PTHREAD/build/private/tmp/brazil-path/build.libfarm/lib";
    public const string AwsRunPath10 = "/local/p4clients/pkgbuild-Xq9Ta/workspace/build/PostgreSQL/PostgreSQL-10.x_client_only.186.0/AL2012/DEV.STD.PTHREAD/build/private/tmp/brazil-path/build.libfarm/lib";
    public const string PyGreSqlModuleName = "_pg.cpython-39-x86_64-linux-gnu.so";
    public const string PsycopgModuleName = "_psycopg.cpython-39-x86_64-linux-gnu.so";
    public const string WheelLibpqName = "libpq-be3d6e4e.so.5.15";

    private readonly string _root = Directory.CreateTempSubdirectory("libpq-fixtures-").FullName;

    public NativeFixtures()
    {
        if (!File.Exists(RealLibpqPath))
            throw new InvalidOperationException($"{RealLibpqPath} is missing: install it with `apt-get install -y libpq5`.");

        Libpq94RunPath = Library("libpq94-runpath", 9, AwsRunPath94, newDtags: true);
        Libpq94RPath = Library("libpq94-rpath", 9, AwsRunPath94, newDtags: false);
        Libpq10RunPath = Library("libpq10-runpath", 10, AwsRunPath10, newDtags: true);
        Libpq9NamingVersion10 = Library("libpq9-named-10", 9, AwsRunPath10, newDtags: true);
        Libpq14NoRunPath = Library("libpq14", 14, runPath: null, newDtags: true);
        PyGreSqlAgainst94 = Module("pg-94", Path.GetDirectoryName(Libpq94RunPath)!, "libpq.so.5", PyGreSqlModuleName, "PyInit__pg", runPath: null);
        PyGreSqlAgainst10 = Module("pg-10", Path.GetDirectoryName(Libpq10RunPath)!, "libpq.so.5", PyGreSqlModuleName, "PyInit__pg", runPath: null);

        // psycopg2-binary wheels rename libpq (auditwheel) and point the module at it with RUNPATH $ORIGIN/../psycopg2_binary.libs.
        var wheelStub = Library("wheel-stub", 10, runPath: null, newDtags: true, soname: WheelLibpqName, fileName: WheelLibpqName);
        PsycopgAgainstWheelLibpq = Module("psycopg", Path.GetDirectoryName(wheelStub)!, WheelLibpqName, PsycopgModuleName,
            "PyInit__psycopg", runPath: "$ORIGIN/../psycopg2_binary.libs");

        PyGreSqlWithStatic94 = ModuleCarryingLibpq("static-94", 9);
        PyGreSqlWithStatic10 = ModuleCarryingLibpq("static-10", 10);

        // No 32-bit C library is needed: the fixture uses none.
        Libpq14ThirtyTwoBit = Output("libpq14-m32", "libpq.so.5");
        Gcc("-m32", "-nostdlib", "-shared", "-fPIC", "-DLIBPQ_MAJOR=14", "-Wl,-soname,libpq.so.5", "-Wl,--enable-new-dtags",
            "-Wl,-rpath,/opt/PostgreSQL-14.2/lib", Source("libpq_like.c"), "-o", Libpq14ThirtyTwoBit);
    }

    public string Libpq94RunPath { get; }
    public string Libpq94RPath { get; }
    public string Libpq10RunPath { get; }
    public string Libpq9NamingVersion10 { get; }
    public string Libpq14NoRunPath { get; }
    public string Libpq14ThirtyTwoBit { get; }
    public string PyGreSqlAgainst94 { get; }
    public string PyGreSqlAgainst10 { get; }
    public string PyGreSqlWithStatic94 { get; }
    public string PyGreSqlWithStatic10 { get; }
    public string PsycopgAgainstWheelLibpq { get; }

    /// <summary>A scratch folder for one test, removed with the fixtures.</summary>
    public string NewTempFolder() => Directory.CreateDirectory(Path.Combine(_root, "t-" + Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }

    private string Library(string folder, int major, string? runPath, bool newDtags, string soname = "libpq.so.5", string fileName = "libpq.so.5")
    {
        var output = Output(folder, fileName);
        var args = new List<string> { "-shared", "-fPIC", $"-DLIBPQ_MAJOR={major}", $"-Wl,-soname,{soname}", newDtags ? "-Wl,--enable-new-dtags" : "-Wl,--disable-new-dtags" };
        if (runPath is not null)
            args.Add($"-Wl,-rpath,{runPath}");
        args.AddRange([Source("libpq_like.c"), "-o", output]);
        Gcc([.. args]);
        return output;
    }

    private string Module(string folder, string libpqDir, string libpqFile, string moduleName, string init, string? runPath)
    {
        var output = Output(folder, moduleName);
        var args = new List<string> { "-shared", "-fPIC", $"-DMODULE_INIT={init}", Source("pg_module.c"), "-L" + libpqDir, "-l:" + libpqFile, "-o", output };
        if (runPath is not null)
            args.Add($"-Wl,-rpath,{runPath}");
        Gcc([.. args]);
        return output;
    }

    /// <summary>_pg with libpq compiled in and hidden (-fvisibility=hidden): no NEEDED libpq, no PQ* exports.</summary>
    private string ModuleCarryingLibpq(string folder, int major)
    {
        var libpqObject = Output(folder, "libpq_like.o");
        Gcc("-c", "-fPIC", "-fvisibility=hidden", $"-DLIBPQ_MAJOR={major}", Source("libpq_like.c"), "-o", libpqObject);
        var output = Output(folder, PyGreSqlModuleName);
        Gcc("-shared", "-fPIC", Source("pg_module.c"), libpqObject, "-o", output);
        return output;
    }

    private string Output(string folder, string file)
    {
        var dir = Path.Combine(_root, folder);
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, file);
    }

    internal static string Source(string file, [CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "fixtures", file);

    internal static void Gcc(params string[] args)
    {
        var start = new ProcessStartInfo("gcc") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var gcc = Process.Start(start)!;
        var stderr = gcc.StandardError.ReadToEndAsync();
        if (!gcc.WaitForExit(60_000))
        {
            gcc.Kill();
            throw new TimeoutException("gcc took over 60 s");
        }
        if (gcc.ExitCode != 0)
            throw new InvalidOperationException($"gcc {string.Join(' ', args)} failed: {stderr.Result}");
    }
}

[CollectionDefinition(Name)]
public sealed class NativeFixturesCollection : ICollectionFixture<NativeFixtures>
{
    public const string Name = "libpq native fixtures";
}
