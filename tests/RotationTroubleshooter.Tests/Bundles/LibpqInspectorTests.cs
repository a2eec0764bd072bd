using RotationTroubleshooter.Bundles;
namespace RotationTroubleshooter.Tests.Bundles;

[Collection(NativeFixturesCollection.Name)]
public sealed class LibpqInspectorTests(NativeFixtures fixtures)
{
    private static IReadOnlyList<LibpqReport> InspectZip(BundleBuilder bundle, string source = "fn")
    {
        using var zip = new MemoryStream(bundle.Zip());
        return LibpqInspector.InspectZip(zip, source);
    }

    /// <summary>The layout of the old Serverless Application Repository PostgreSQL rotation function.</summary>
    private BundleBuilder PyGreSqlBundle(string libpq, string module) => new BundleBuilder()
        .File("lambda_function.py", "import pg\nimport pgdb\n")
        .File("pg.py", "from _pg import *\n")
        .File("pgdb.py", "from _pg import *\n")
        .CopyOf(NativeFixtures.PyGreSqlModuleName, module)
        .CopyOf("lib/libpq.so.5", libpq);

    [Fact]
    public void Old_rotation_bundle_with_libpq_9_4_cannot_do_scram()
    {
        var reports = InspectZip(PyGreSqlBundle(fixtures.Libpq94RunPath, fixtures.PyGreSqlAgainst94), "SecretsManagerRDSPostgreSQLRotationSingleUser");

        var report = Assert.Single(reports);
        Assert.Equal("SecretsManagerRDSPostgreSQLRotationSingleUser", report.Source);
        Assert.Equal("lib/libpq.so.5", report.Path);
        Assert.Equal(NativeFixtures.AwsRunPath94, report.RunPath);
        Assert.Equal(9, report.LibpqMajorVersion);
        Assert.False(report.SupportsScramSha256);
        Assert.Equal(PostgresDriver.PyGreSQL, report.Driver);
        var evidence = BundleBuilder.Text(report);
        Assert.Contains("RUNPATH names PostgreSQL 9.4", evidence);
        Assert.Contains("but not PQencryptPasswordConn", evidence);
        Assert.Contains($"Used by {NativeFixtures.PyGreSqlModuleName} (PyGreSQL): NEEDED libpq.so.5; found lib/libpq.so.5 on Lambda's library path", evidence);
    }

    [Fact]
    public void New_rotation_bundle_with_libpq_10_supports_scram()
    {
        var report = Assert.Single(InspectZip(PyGreSqlBundle(fixtures.Libpq10RunPath, fixtures.PyGreSqlAgainst10)));

        Assert.Equal(10, report.LibpqMajorVersion);
        Assert.True(report.SupportsScramSha256);
        Assert.Equal(PostgresDriver.PyGreSQL, report.Driver);
        Assert.Contains("Exports PQencryptPasswordConn: libpq 10 or later.", report.Evidence);
    }

    [Fact]
    public void Rpath_is_read_when_there_is_no_runpath()
    {
        var report = Assert.Single(InspectZip(PyGreSqlBundle(fixtures.Libpq94RPath, fixtures.PyGreSqlAgainst94)));

        Assert.Equal(NativeFixtures.AwsRunPath94, report.RunPath);
        Assert.False(report.SupportsScramSha256);
        Assert.Contains("RPATH names PostgreSQL 9.4", BundleBuilder.Text(report));
    }

    [Fact]
    public void Runpath_naming_10_on_a_library_without_PQencryptPasswordConn_is_contradictory()
    {
        var report = Assert.Single(InspectZip(PyGreSqlBundle(fixtures.Libpq9NamingVersion10, fixtures.PyGreSqlAgainst94)));

        Assert.Null(report.SupportsScramSha256);
        Assert.Null(report.LibpqMajorVersion);
        Assert.Contains("the evidence contradicts itself (10 or later: RUNPATH; older than 10: exported symbols, embedded message)", BundleBuilder.Text(report));
    }

    [Fact]
    public void Psycopg2_wheel_around_the_real_libpq_15()
    {
        var bundle = new BundleBuilder()
            .File("psycopg2/__init__.py", "from psycopg2._psycopg import connect\n")
            .CopyOf($"psycopg2/{NativeFixtures.PsycopgModuleName}", fixtures.PsycopgAgainstWheelLibpq)
            .CopyOf($"psycopg2_binary.libs/{NativeFixtures.WheelLibpqName}", NativeFixtures.RealLibpqPath)
            .File("psycopg2_binary-2.9.9.dist-info/METADATA", "Name: psycopg2-binary\nVersion: 2.9.9\n");

        var report = Assert.Single(InspectZip(bundle));

        Assert.Equal($"psycopg2_binary.libs/{NativeFixtures.WheelLibpqName}", report.Path);
        Assert.Null(report.RunPath);
        Assert.Equal(15, report.LibpqMajorVersion);
        Assert.True(report.SupportsScramSha256);
        Assert.Equal(PostgresDriver.Psycopg2, report.Driver);
        var evidence = BundleBuilder.Text(report);
        Assert.Contains("No RUNPATH or RPATH", evidence);
        Assert.Contains("Exports PQenterPipelineMode: libpq 14 or later.", evidence);
        Assert.Contains($"found psycopg2_binary.libs/{NativeFixtures.WheelLibpqName} through its RUNPATH $ORIGIN/../psycopg2_binary.libs", evidence);
    }

    [Fact]
    public void Real_libpq_given_as_a_single_file_gives_a_lower_bound()
    {
        var report = Assert.Single(LibpqInspector.InspectPath(NativeFixtures.RealLibpqPath));

        Assert.Equal(NativeFixtures.RealLibpqPath, report.Source);
        Assert.Equal("libpq.so.5", report.Path);
        Assert.Equal(14, report.LibpqMajorVersion);
        Assert.True(report.SupportsScramSha256);
        Assert.Equal(PostgresDriver.Unknown, report.Driver);
        Assert.Contains("LibpqMajorVersion 14 is a lower bound from the exported symbols.", report.Evidence);
    }

    [Fact]
    public void Single_32_bit_library_is_judged_by_runpath_and_symbols()
    {
        var report = Assert.Single(LibpqInspector.InspectPath(fixtures.Libpq14ThirtyTwoBit, "layer.so"));

        Assert.Equal(14, report.LibpqMajorVersion);
        Assert.True(report.SupportsScramSha256);
        Assert.Contains("ELF 32-bit little-endian shared object", BundleBuilder.Text(report));
    }

    [Fact]
    public void Big_endian_libpq_without_PQencryptPasswordConn_in_a_folder()
    {
        var folder = new BundleBuilder()
            .File("lib/libpq.so.5", BigEndianElf.SharedObject("libpq.so.5", "/build/PostgreSQL-9.4.x/lib", "PQconnectdb", "PQfinish"))
            .WriteFolder(fixtures.NewTempFolder());

        var report = Assert.Single(LibpqInspector.InspectPath(folder, "unpacked"));

        Assert.Equal("lib/libpq.so.5", report.Path);
        Assert.Equal(9, report.LibpqMajorVersion);
        Assert.False(report.SupportsScramSha256);
        Assert.Contains("ELF 32-bit big-endian shared object, machine PPC", BundleBuilder.Text(report));
    }

    [Fact]
    public void Zip_file_and_unpacked_folder_give_the_same_reports()
    {
        var bundle = PyGreSqlBundle(fixtures.Libpq94RunPath, fixtures.PyGreSqlAgainst94);
        var folder = fixtures.NewTempFolder();
        var zipPath = bundle.WriteZip(folder);
        var unpacked = bundle.WriteFolder(Directory.CreateDirectory(Path.Combine(folder, "unpacked")).FullName);

        var fromZip = Assert.Single(LibpqInspector.InspectPath(zipPath, "x"));
        var fromFolder = Assert.Single(LibpqInspector.InspectPath(unpacked, "x"));

        Assert.Equal(fromZip.Evidence, fromFolder.Evidence);
        Assert.Equal((fromZip.Path, fromZip.SupportsScramSha256), (fromFolder.Path, fromFolder.SupportsScramSha256));
    }

    [Fact]
    public void Module_carrying_libpq_statically_is_judged_from_its_strings()
    {
        var bundle = new BundleBuilder().File("pg.py", "").CopyOf(NativeFixtures.PyGreSqlModuleName, fixtures.PyGreSqlWithStatic94);

        var report = Assert.Single(InspectZip(bundle));

        Assert.Equal(NativeFixtures.PyGreSqlModuleName, report.Path);
        Assert.Equal(PostgresDriver.PyGreSQL, report.Driver);
        Assert.False(report.SupportsScramSha256);
        var evidence = BundleBuilder.Text(report);
        Assert.Contains("Carries libpq inside it (linked statically)", evidence);
        Assert.Contains("SCRAM authentication requires libpq version 10 or above", evidence);
    }

    [Fact]
    public void Module_carrying_libpq_10_statically_supports_scram_with_a_lower_bound()
    {
        var report = Assert.Single(LibpqInspector.InspectPath(fixtures.PyGreSqlWithStatic10, "module"));

        Assert.True(report.SupportsScramSha256);
        Assert.Equal(10, report.LibpqMajorVersion);
        Assert.Contains("LibpqMajorVersion 10 is a lower bound: only libpq 10 and later can do SCRAM.", report.Evidence);
    }

    [Fact]
    public void Module_whose_libpq_is_not_in_the_bundle_points_at_layers()
    {
        var bundle = new BundleBuilder().File("pgdb.py", "").CopyOf(NativeFixtures.PyGreSqlModuleName, fixtures.PyGreSqlAgainst10);

        var report = Assert.Single(InspectZip(bundle));

        Assert.Equal(NativeFixtures.PyGreSqlModuleName, report.Path);
        Assert.Null(report.SupportsScramSha256);
        Assert.Contains("unless a layer provides it", BundleBuilder.Text(report));
    }

    [Fact]
    public void PyGreSQL_code_without_its_native_module_explains_the_import_error()
    {
        var bundle = new BundleBuilder().File("lambda_function.py", "import pgdb\n").File("pg.py", "").File("pgdb.py", "");

        var report = Assert.Single(InspectZip(bundle));

        Assert.Equal(PostgresDriver.PyGreSQL, report.Driver);
        Assert.Null(report.SupportsScramSha256);
        Assert.Contains("No module named '_pg'", BundleBuilder.Text(report));
    }

    [Theory]
    [InlineData("pg8000", "1.29.4", PostgresDriver.Pg8000, true)]
    [InlineData("pg8000", "1.13.0", PostgresDriver.Pg8000, true)]
    [InlineData("pg8000", "1.12.5", PostgresDriver.Pg8000, false)]
    [InlineData("asyncpg", "0.29.0", PostgresDriver.Asyncpg, true)]
    [InlineData("asyncpg", "0.18.3", PostgresDriver.Asyncpg, false)]
    public void Pure_python_driver_is_judged_by_its_version(string package, string version, PostgresDriver driver, bool supports)
    {
        var bundle = new BundleBuilder()
            .File($"python/{package}/__init__.py", "")
            .File($"python/{package}-{version}.dist-info/METADATA", $"Name: {package}\nVersion: {version}\n");

        var report = Assert.Single(InspectZip(bundle));

        Assert.Equal(driver, report.Driver);
        Assert.Equal($"python/{package}", report.Path);
        Assert.Equal(supports, report.SupportsScramSha256);
        Assert.Null(report.LibpqMajorVersion);
        Assert.Contains("uses no libpq", BundleBuilder.Text(report));
    }

    [Fact]
    public void Pure_python_driver_without_a_version_is_unknown()
    {
        var report = Assert.Single(InspectZip(new BundleBuilder().File("pg8000/__init__.py", "").File("pg8000/core.py", "")));

        Assert.Null(report.SupportsScramSha256);
        Assert.Contains("Its version is unknown", BundleBuilder.Text(report));
    }

    [Fact]
    public void Bundle_without_any_postgresql_client_says_so()
    {
        var bundle = new BundleBuilder().File("lambda_function.py", "import pymysql\n").File("pymysql/__init__.py", "");

        var report = Assert.Single(InspectZip(bundle, "SecretsManagerRDSMySQLRotationSingleUser"));

        Assert.Equal(PostgresDriver.None, report.Driver);
        Assert.Null(report.Path);
        Assert.Null(report.SupportsScramSha256);
        Assert.Contains("No PostgreSQL client in 2 files", BundleBuilder.Text(report));
    }

    [Fact]
    public void Non_elf_libpq_is_reported_with_unknown_verdict()
    {
        var bundle = new BundleBuilder().File("lib/libpq.so.5", "version https://git-lfs.github.com/spec/v1\n");

        var report = Assert.Single(InspectZip(bundle));

        Assert.Null(report.SupportsScramSha256);
        Assert.Contains("lib/libpq.so.5 is not an ELF file", BundleBuilder.Text(report));
    }

    [Fact]
    public void Truncated_libpq_is_reported_with_unknown_verdict()
    {
        var bundle = new BundleBuilder().File("lib/libpq.so.5", File.ReadAllBytes(fixtures.Libpq10RunPath)[..2000]);

        var report = Assert.Single(InspectZip(bundle));

        Assert.Null(report.SupportsScramSha256);
        Assert.Null(report.LibpqMajorVersion);
        Assert.Contains("lib/libpq.so.5 is truncated", BundleBuilder.Text(report));
    }

    [Fact]
    public void Missing_path_is_a_typed_not_found_error()
    {
        var error = Assert.Throws<BundleReadException>(() => LibpqInspector.InspectPath("/nonexistent/function.zip"));

        Assert.Equal(BundleErrorKind.NotFound, error.Kind);
    }
}
