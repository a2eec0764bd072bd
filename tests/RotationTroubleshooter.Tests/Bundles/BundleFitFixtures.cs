using System.Buffers.Binary;
using System.Text;

namespace RotationTroubleshooter.Tests.Bundles;

/// <summary>
/// Native modules for the bundle-fit tests, built with gcc once per run from fixtures/py_module.c, and the pieces of a
/// Python package around them (a .dist-info as pip writes it, a package's version attribute). AWS's real rotation
/// templates are read from ../shared/peers/aws-rotation-lambdas beside the repository, as tests/harness reads them.
/// </summary>
public sealed class BundleFitFixtures : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("bundle-fit-fixtures-").FullName;

    public BundleFitFixtures()
    {
        PlainModule = Build("plain", "module.so");
        NewGlibcModule = Build("glibc-2.30", "module.so", "-DNEEDS_GLIBC_2_30");
        OpenSslModule = Build("openssl", "module.so", "-DUSES_OPENSSL", "-l:libssl.so.3");
        Db2Stub = Output("db2", "libdb2.so.1");
        NativeFixtures.Gcc("-shared", "-fPIC", "-Wl,-soname,libdb2.so.1", NativeFixtures.Source("py_module.c"), "-o", Db2Stub);
        // Linked against the stub with --no-as-needed so that the linker records NEEDED libdb2.so.1, as ibm_db's module does.
        Db2Module = Output("ibm_db", "module.so");
        NativeFixtures.Gcc("-shared", "-fPIC", NativeFixtures.Source("py_module.c"), "-Wl,--no-as-needed", "-L" + Path.GetDirectoryName(Db2Stub),
            "-l:libdb2.so.1", "-Wl,-rpath,$ORIGIN/clidriver/lib", "-o", Db2Module);
    }

    /// <summary>An x86_64 module needing nothing newer than GLIBC_2.2.5.</summary>
    public string PlainModule { get; }
    /// <summary>Calls gettid(): needs GLIBC_2.30, newer than Amazon Linux 2's 2.26, older than Amazon Linux 2023's 2.34.</summary>
    public string NewGlibcModule { get; }
    /// <summary>NEEDED libssl.so.3, as pymssql's wheels from 2.2.0 on link FreeTDS's OpenSSL.</summary>
    public string OpenSslModule { get; }
    public string Db2Stub { get; }
    /// <summary>NEEDED libdb2.so.1 with RUNPATH $ORIGIN/clidriver/lib, the shape of ibm_db's module.</summary>
    public string Db2Module { get; }

    public static byte[] Bytes(string path) => File.ReadAllBytes(path);

    /// <summary>
    /// The module with its ELF header's e_machine set to AArch64 (183): gcc here targets only x86, and the loader (like the
    /// inspector) decides by that field.
    /// </summary>
    public static byte[] AsArm64(string path)
    {
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(18), 183);
        return bytes;
    }

    /// <summary>The first bytes of a 64-bit Mach-O file, as pip leaves a wheel built on a Mac.</summary>
    public static byte[] MachO() => [0xCF, 0xFA, 0xED, 0xFE, 0x07, 0x00, 0x00, 0x01, .. new byte[56]];

    /// <summary>A .dist-info folder's METADATA and RECORD as pip writes them.</summary>
    internal static BundleBuilder DistInfo(BundleBuilder bundle, string folder, string name, string version) => bundle
        .File($"{folder}{name}-{version}.dist-info/METADATA", $"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nRequires-Python: >=3.7\n")
        .File($"{folder}{name}-{version}.dist-info/INSTALLER", "pip\n")
        .File($"{folder}{name}-{version}.dist-info/RECORD", $"{name}-{version}.dist-info/METADATA,,\n");

    /// <summary>Where AWS's rotation templates are looked for: RT_ROTATION_TEMPLATES, then ../shared/peers beside the clone.</summary>
    internal static string TemplatesFolder { get; } = Environment.GetEnvironmentVariable("RT_ROTATION_TEMPLATES") is { Length: > 0 } set ? set
        : Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../..", "..", "shared", "peers", "aws-rotation-lambdas"));

    /// <summary>Why the tests that read the templates are skipped; null when the templates are there.</summary>
    internal static string? TemplatesMissing { get; } = File.Exists(Path.Combine(TemplatesFolder, "SecretsManagerRDSPostgreSQLRotationSingleUser", "lambda_function.py"))
        ? null
        : $"AWS's rotation templates were not found in {TemplatesFolder} (RT_ROTATION_TEMPLATES, then ../shared/peers/aws-rotation-lambdas); README's Tests says how to fetch them.";

    /// <summary>The handler of one of AWS's rotation templates, as its repository holds it.</summary>
    public static string Template(string name)
    {
        var file = Path.Combine(TemplatesFolder, name, "lambda_function.py");
        if (!File.Exists(file))
            throw new InvalidOperationException($"{file} is missing: the bundle-fit tests read AWS's rotation templates from ../shared/peers/aws-rotation-lambdas (or RT_ROTATION_TEMPLATES).");
        return File.ReadAllText(file, Encoding.UTF8);
    }

    public string NewTempFolder() => Directory.CreateDirectory(Path.Combine(_root, "t-" + Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }

    private string Build(string folder, string file, params string[] options)
    {
        var output = Output(folder, file);
        NativeFixtures.Gcc(["-shared", "-fPIC", NativeFixtures.Source("py_module.c"), .. options, "-o", output]);
        return output;
    }

    private string Output(string folder, string file)
    {
        var dir = Path.Combine(_root, folder);
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, file);
    }
}

[CollectionDefinition(Name)]
public sealed class BundleFitFixturesCollection : ICollectionFixture<BundleFitFixtures>, ICollectionFixture<NativeFixtures>
{
    public const string Name = "bundle fit native fixtures";
}

/// <summary>A test that reads AWS's rotation templates: skipped, with the reason, where they are not found (the build counts it).</summary>
public sealed class TemplateFactAttribute : FactAttribute
{
    public TemplateFactAttribute() => Skip = BundleFitFixtures.TemplatesMissing!;
}

/// <inheritdoc cref="TemplateFactAttribute"/>
public sealed class TemplateTheoryAttribute : TheoryAttribute
{
    public TemplateTheoryAttribute() => Skip = BundleFitFixtures.TemplatesMissing!;
}
