using RotationTroubleshooter.Bundles;

namespace RotationTroubleshooter.Tests.Bundles;

/// <summary>
/// The bundle against its runtime and architecture: zips shaped as the rotation templates' bundles are (AWS's real
/// handler code, gcc-made modules named with CPython's tags, .dist-info folders as pip writes them).
/// </summary>
[Collection(BundleFitFixturesCollection.Name)]
public sealed class BundleFitInspectorTests(BundleFitFixtures modules, NativeFixtures libpq)
{
    private const string PostgreSql = "SecretsManagerRDSPostgreSQLRotationSingleUser";
    private const string MySql = "SecretsManagerRDSMySQLRotationSingleUser";
    private const string SqlServer = "SecretsManagerRDSSQLServerRotationSingleUser";
    private const string Oracle = "SecretsManagerRDSOracleRotationSingleUser";
    private const string MongoDb = "SecretsManagerMongoDBRotationSingleUser";
    private const string Db2 = "SecretsManagerRDSDb2RotationSingleUser";
    private const string Handler = "lambda_function.lambda_handler";

    private static BundleFit Fit(BundleBuilder bundle, string runtime, string architecture = "x86_64", params (BundleBuilder Zip, string Arn)[] layers)
    {
        using var zip = new MemoryStream(bundle.Zip());
        var layerStreams = layers.Select(l => ((Stream)new MemoryStream(l.Zip.Zip()), l.Arn)).ToList();
        try
        {
            return BundleFitInspector.InspectFunction(zip, "rotate-orders", layerStreams, new FunctionRuntimeFacts(runtime, architecture, Handler));
        }
        finally
        {
            layerStreams.ForEach(l => l.Item1.Dispose());
        }
    }

    private static string Evidence(BundleFit fit, FindingDefinition finding) =>
        string.Join('\n', Assert.Single(fit.Problems, p => p.Finding == finding).Evidence);

    /// <summary>The PostgreSQL template's bundle as the Serverless Application Repository ships it: PyGreSQL 5 for one Python, and its libpq.</summary>
    private BundleBuilder PyGreSqlBundle(string tag = "cpython-39-x86_64-linux-gnu") =>
        BundleFitFixtures.DistInfo(new BundleBuilder()
            .File("lambda_function.py", BundleFitFixtures.Template(PostgreSql))
            .File("pg.py", "version = __version__ = '5.2.4'\nfrom _pg import *\n")
            .File("pgdb.py", "from _pg import *\n")
            .CopyOf($"_pg.{tag}.so", libpq.PyGreSqlAgainst10)
            .CopyOf("libpq.so.5", libpq.Libpq10RunPath), "", "PyGreSQL", "5.2.4");

    [TemplateFact]
    public void Modules_built_for_Python_3_9_do_not_fit_a_function_whose_runtime_became_python3_11()
    {
        // https://github.com/aws-samples/aws-secrets-manager-rotation-lambdas/issues/161: "No module named '_pg'" after 3.9 -> 3.10.
        var fit = Fit(PyGreSqlBundle(), "python3.11");

        var evidence = Evidence(fit, BundleFitFindings.NativeModuleBuiltForOtherPython);
        Assert.Contains("/var/task/_pg.cpython-39-x86_64-linux-gnu.so is built for CPython 3.9", evidence);
        Assert.Contains("python3.11, which imports only extensions tagged cpython-311-x86_64-linux-gnu", evidence);
        Assert.Contains("No module named '_pg'", evidence);
        Assert.Equal("5.2.4", fit.Package(PythonPackage.PyGreSql)?.Version);
        Assert.DoesNotContain(fit.Problems, p => p.Finding == BundleFitFindings.DriverNotInBundle);
    }

    [TemplateFact]
    public void The_same_bundle_fits_the_runtime_it_was_built_for()
    {
        var fit = Fit(PyGreSqlBundle(), "python3.9");

        Assert.Empty(fit.Problems);
        Assert.Equal("Amazon Linux 2", fit.Runtime?.OperatingSystem);
        Assert.Contains(fit.NativeFiles, n => n.Module == "_pg" && n.Elf?.Machine == "x86_64");
    }

    [TemplateFact]
    public void An_x86_64_bundle_does_not_load_on_arm64_by_its_tags_nor_by_its_ELF_headers()
    {
        var fit = Fit(PyGreSqlBundle(), "python3.9", "arm64");

        var evidence = Evidence(fit, BundleFitFindings.NativeModuleBuiltForOtherArchitecture);
        Assert.Contains("/var/task/libpq.so.5 is built for x86_64 (its ELF header), and the function runs on arm64", evidence);
        Assert.Contains("/var/task/_pg.cpython-39-x86_64-linux-gnu.so is tagged for x86_64-linux-gnu", evidence);
    }

    [TemplateFact]
    public void An_arm64_module_under_an_x86_64_name_is_caught_by_its_ELF_header()
    {
        var bundle = BundleFitFixtures.DistInfo(new BundleBuilder()
            .File("lambda_function.py", BundleFitFixtures.Template(MySql))
            .File("pymysql/__init__.py", "VERSION = (1, 1, 0, \"final\")\n")
            .File("cryptography/__init__.py", "")
            .File("cryptography/hazmat/bindings/_rust.abi3.so", BundleFitFixtures.AsArm64(modules.PlainModule)), "", "cryptography", "41.0.7");

        var fit = Fit(bundle, "python3.11");

        Assert.Contains("_rust.abi3.so is built for arm64 (its ELF header), and the function runs on x86_64", Evidence(fit, BundleFitFindings.NativeModuleBuiltForOtherArchitecture));
        // PyMySQL takes a cryptography that does not import for absent.
        Assert.Contains("does not load here", Evidence(fit, BundleFitFindings.PyMySqlWithoutCryptography));
        Assert.False(fit.PyMySqlHasCryptography);
    }

    [TemplateFact]
    public void A_module_linked_against_a_newer_glibc_fits_Amazon_Linux_2023_but_not_Amazon_Linux_2()
    {
        BundleBuilder Bundle(string tag) => new BundleBuilder()
            .File("lambda_function.py", BundleFitFixtures.Template(MySql))
            .File("pymysql/__init__.py", "VERSION = (1, 1, 0, \"final\")\n")
            .File("cryptography/__init__.py", "")
            .CopyOf($"cryptography/hazmat/bindings/_rust.{tag}.so", modules.NewGlibcModule);

        var al2 = Fit(Bundle("cpython-311-x86_64-linux-gnu"), "python3.11");
        var al2023 = Fit(Bundle("cpython-312-x86_64-linux-gnu"), "python3.12");

        Assert.Contains("needs GLIBC_2.30 and python3.11 runs on Amazon Linux 2 with glibc 2.26", Evidence(al2, BundleFitFindings.NativeModuleNeedsNewerGlibc));
        Assert.Empty(al2023.Problems);
        Assert.True(al2023.PyMySqlHasCryptography);
    }

    [TemplateFact]
    public void Cryptography_installed_on_a_Mac_is_no_cryptography_for_PyMySQL()
    {
        // https://github.com/aws-samples/aws-secrets-manager-rotation-lambdas/issues/138: "have installed module also inside the
        // my zip file, still getting this error" ('cryptography' package is required ...).
        var bundle = BundleFitFixtures.DistInfo(BundleFitFixtures.DistInfo(new BundleBuilder()
            .File("lambda_function.py", BundleFitFixtures.Template(MySql))
            .File("pymysql/__init__.py", "VERSION = (1, 1, 0, \"final\")\n")
            .File("cryptography/__init__.py", "")
            .File("cryptography/hazmat/bindings/_rust.abi3.so", BundleFitFixtures.MachO()), "", "PyMySQL", "1.1.0"), "", "cryptography", "42.0.5");

        var fit = Fit(bundle, "python3.11");

        Assert.Contains("is a macOS (Mach-O) binary", Evidence(fit, BundleFitFindings.NativeModuleNotForLinux));
        Assert.Contains("cryptography 42.0.5", Evidence(fit, BundleFitFindings.PyMySqlWithoutCryptography));
        Assert.Equal("1.1.0", fit.Package(PythonPackage.PyMySql)?.Version);
    }

    [TemplateFact]
    public void PyMySQL_without_cryptography_is_said_and_with_a_fitting_one_is_not()
    {
        BundleBuilder Bundle() => new BundleBuilder()
            .File("lambda_function.py", BundleFitFixtures.Template(MySql))
            .File("pymysql/__init__.py", "VERSION = (1, 0, 2, None)\n");

        var without = Fit(Bundle(), "python3.11");
        var with = Fit(Bundle().File("cryptography/__init__.py", "").CopyOf("cryptography/hazmat/bindings/_rust.abi3.so", modules.PlainModule), "python3.11");

        Assert.Contains("pymysql 1.0.2 at /var/task/pymysql, and no 'cryptography' package", Evidence(without, BundleFitFindings.PyMySqlWithoutCryptography));
        Assert.False(without.PyMySqlHasCryptography);
        Assert.Empty(with.Problems);
        Assert.True(with.PyMySqlHasCryptography);
    }

    [TemplateTheory]
    [InlineData("1.0.2", true)]
    [InlineData("0.10.1", false)]
    public void A_template_revision_passing_the_host_by_position_does_not_fit_PyMySQL_1_0(string version, bool misfit)
    {
        // https://github.com/aws-samples/aws-secrets-manager-rotation-lambdas/pull/63 quotes the old call, host first and by
        // position: the current template with that one argument put back as it was.
        var current = BundleFitFixtures.Template(MySql);
        var old = current.Replace("pymysql.connect(host=secret_dict['host'],", "pymysql.connect(secret_dict['host'],", StringComparison.Ordinal);
        Assert.NotEqual(current, old);
        var bundle = BundleFitFixtures.DistInfo(new BundleBuilder()
            .File("lambda_function.py", old)
            .File("pymysql/__init__.py", "")
            .File("cryptography/__init__.py", "").CopyOf("cryptography/hazmat/bindings/_rust.abi3.so", modules.PlainModule), "", "PyMySQL", version);

        var fit = Fit(bundle, "python3.9");

        if (misfit)
            Assert.Contains("takes keyword arguments only since 1.0.0", Evidence(fit, BundleFitFindings.TemplateCodeDoesNotFitDriver));
        else
            Assert.Empty(fit.Problems);
    }

    [TemplateTheory]
    [InlineData("4.6.1", true)]
    [InlineData("3.12.3", false)]
    public void The_MongoDB_templates_Database_authenticate_does_not_fit_PyMongo_4(string version, bool misfit)
    {
        // https://github.com/aws-samples/aws-secrets-manager-rotation-lambdas/issues/55: works with pymongo 3.12.3, fails with 4+.
        var bundle = new BundleBuilder()
            .File("lambda_function.py", BundleFitFixtures.Template(MongoDb))
            .File("pymongo/__init__.py", "").File("pymongo/_version.py", $"__version__ = \"{version}\"\n")
            .File("bson/__init__.py", "");

        var fit = Fit(bundle, "python3.9");

        if (misfit)
            Assert.Contains($"pymongo {version} at /var/task/pymongo no longer has (removed in 4.0)", Evidence(fit, BundleFitFindings.TemplateCodeDoesNotFitDriver));
        else
            Assert.Empty(fit.Problems);
    }

    [TemplateFact]
    public void The_PostgreSQL_template_without_its_driver_names_the_module_it_imports()
    {
        // https://github.com/aws-samples/aws-secrets-manager-rotation-lambdas/issues/68: "No module named 'pg'".
        var fit = Fit(new BundleBuilder().File("lambda_function.py", BundleFitFixtures.Template(PostgreSql)), "python3.11");

        var evidence = Evidence(fit, BundleFitFindings.DriverNotInBundle);
        Assert.Contains("/var/task/lambda_function.py imports pg, and no pg package or module", evidence);
        Assert.Contains("/var/task/lambda_function.py imports pgdb", evidence);
    }

    [TemplateFact]
    public void PyGreSQLs_Python_code_without_its_native_module_is_a_missing_driver_too()
    {
        var fit = Fit(new BundleBuilder().File("lambda_function.py", BundleFitFixtures.Template(PostgreSql))
            .File("pg.py", "from _pg import *\n").File("pgdb.py", "from _pg import *\n"), "python3.11");

        Assert.Contains("has no native module _pg beside it", Evidence(fit, BundleFitFindings.DriverNotInBundle));
    }

    [TemplateFact]
    public void The_PyPI_package_named_pg_is_told_apart_from_PyGreSQL()
    {
        // https://github.com/aws-samples/aws-secrets-manager-rotation-lambdas/issues/52: "pip install pg" brings another package.
        var bundle = BundleFitFixtures.DistInfo(new BundleBuilder()
            .File("lambda_function.py", BundleFitFixtures.Template(PostgreSql))
            .File("pg/__init__.py", "from .core import *\n"), "", "pg", "0.1");

        var fit = Fit(bundle, "python3.9");

        Assert.Contains("comes from the PyPI distribution \"pg\" 0.1", Evidence(fit, BundleFitFindings.WrongPackageForPyGreSql));
    }

    [TemplateFact]
    public void A_layer_built_for_another_Python_is_not_on_the_runtimes_path()
    {
        var layer = new BundleBuilder().File("python/lib/python3.9/site-packages/pymysql/__init__.py", "VERSION = (1, 1, 0, \"final\")\n");
        const string LayerArn = "arn:aws:lambda:us-east-1:123456789012:layer:pymysql:3";

        var fit = Fit(new BundleBuilder().File("lambda_function.py", BundleFitFixtures.Template(MySql)), "python3.11", layers: (layer, LayerArn));

        Assert.Contains("imports pymysql, and no pymysql package or module is in /var/task, /opt/python, /opt/python/lib/python3.11/site-packages",
            Evidence(fit, BundleFitFindings.DriverNotInBundle));
        Assert.Contains(fit.Notes, n => n.Contains("/opt/python/lib/python3.9/site-packages/pymysql is in the site-packages of another Python than python3.11"));
        // The same layer serves python3.9.
        Assert.DoesNotContain(Fit(new BundleBuilder().File("lambda_function.py", BundleFitFixtures.Template(MySql)), "python3.9", layers: (layer, LayerArn)).Problems,
            p => p.Finding == BundleFitFindings.DriverNotInBundle);
    }

    [TemplateFact]
    public void A_pymssql_whose_FreeTDS_links_no_TLS_library_cannot_meet_force_ssl()
    {
        // https://github.com/aws-samples/aws-secrets-manager-rotation-lambdas/issues/23: pymssql 2.1.1's FreeTDS without SSL.
        BundleBuilder Bundle(string module) => BundleFitFixtures.DistInfo(new BundleBuilder()
            .File("lambda_function.py", BundleFitFixtures.Template(SqlServer))
            .File("pymssql/__init__.py", "")
            .CopyOf("pymssql/_pymssql.cpython-311-x86_64-linux-gnu.so", module)
            .CopyOf("pymssql/_mssql.cpython-311-x86_64-linux-gnu.so", module), "", "pymssql", "2.2.11");

        var plain = Fit(Bundle(modules.PlainModule), "python3.11");
        var tls = Fit(Bundle(modules.OpenSslModule), "python3.11");

        Assert.Contains("link no libssl or GnuTLS and carry no OpenSSL code", Evidence(plain, BundleFitFindings.FreeTdsWithoutTls));
        Assert.False(plain.FreeTdsHasTls);
        Assert.True(tls.FreeTdsHasTls);
        Assert.Empty(tls.Problems);
    }

    [TemplateFact]
    public void Oracle_thick_mode_without_an_Instant_Client_is_missing_its_libraries_and_thin_mode_needs_none()
    {
        // https://github.com/aws-samples/aws-secrets-manager-rotation-lambdas/issues/163 quotes the revision that called
        // oracledb.init_oracle_client() at import ("Thick client to match functionality of cx_oracle").
        var thin = BundleFitFixtures.Template(Oracle);
        var thick = thin.Replace("import oracledb\n", "import oracledb\n\n# Thick client to match functionality of cx_oracle\noracledb.init_oracle_client()\n", StringComparison.Ordinal);
        Assert.NotEqual(thin, thick);
        BundleBuilder Bundle(string code) => BundleFitFixtures.DistInfo(new BundleBuilder()
            .File("lambda_function.py", code)
            .File("oracledb/__init__.py", "").File("oracledb/version.py", "__version__ = \"2.4.1\"\n")
            .CopyOf("oracledb/thin_impl.cpython-311-x86_64-linux-gnu.so", modules.PlainModule), "", "oracledb", "2.4.1");

        var thinFit = Fit(Bundle(thin), "python3.11");
        var thickFit = Fit(Bundle(thick), "python3.11");
        var withClient = Fit(Bundle(thick), "python3.11",
            layers: (new BundleBuilder().CopyOf("lib/libclntsh.so.21.1", modules.PlainModule), "arn:aws:lambda:us-east-1:123456789012:layer:instantclient:1"));

        Assert.Empty(thinFit.Problems);
        Assert.Equal("thin", thinFit.OracleMode);
        Assert.Contains("calls init_oracle_client(), so oracledb 2.4.1", Evidence(thickFit, BundleFitFindings.OracleClientLibrariesMissing));
        Assert.Equal("thick", withClient.OracleMode);
        Assert.True(withClient.OracleClientPresent);
        Assert.Empty(withClient.Problems);
    }

    [TemplateFact]
    public void Db2s_module_needs_its_CLI_driver_beside_it()
    {
        BundleBuilder Bundle() => BundleFitFixtures.DistInfo(new BundleBuilder()
            .File("lambda_function.py", BundleFitFixtures.Template(Db2))
            .CopyOf("ibm_db.cpython-311-x86_64-linux-gnu.so", modules.Db2Module), "", "ibm_db", "3.2.3");

        var without = Fit(Bundle(), "python3.11");
        var with = Fit(Bundle().CopyOf("clidriver/lib/libdb2.so.1", modules.Db2Stub), "python3.11");

        Assert.Contains("needs libdb2.so.1, which no Lambda runtime has", Evidence(without, BundleFitFindings.NativeLibraryNotInBundle));
        Assert.Contains("/var/task/clidriver/lib", Evidence(without, BundleFitFindings.NativeLibraryNotInBundle));
        Assert.Empty(with.Problems);
        Assert.Equal("3.2.3", with.Package(PythonPackage.IbmDb)?.Version);
    }

    [TemplateFact]
    public void A_misfit_in_a_package_no_driver_needs_is_a_note_and_an_optional_accelerator_breaks_nothing()
    {
        var bundle = new BundleBuilder()
            .File("lambda_function.py", BundleFitFixtures.Template(MongoDb))
            .File("pymongo/__init__.py", "").File("pymongo/_version.py", "__version__ = \"3.12.3\"\n")
            .File("bson/__init__.py", "")
            .CopyOf("bson/_cbson.cpython-39-x86_64-linux-gnu.so", modules.PlainModule)
            .File("yaml/__init__.py", "").CopyOf("yaml/_yaml.cpython-39-x86_64-linux-gnu.so", modules.PlainModule);

        var fit = Fit(bundle, "python3.11");

        Assert.Empty(fit.Problems);
        Assert.Contains(fit.Notes, n => n.Contains("optional accelerator: bson works without it"));
        Assert.Contains(fit.Notes, n => n.Contains("outside the database drivers") && n.Contains("_yaml"));
    }

    [Theory]
    [InlineData("_pg.cpython-39-x86_64-linux-gnu.so", "_pg", "CPython", 9)]
    [InlineData("_pg.cpython-37m-x86_64-linux-gnu.so", "_pg", "CPython", 7)]
    [InlineData("_rust.abi3.so", "_rust", "StableAbi", null)]
    [InlineData("_pg.so", "_pg", "Untagged", null)]
    [InlineData("_bcrypt.cpython-39-darwin.so", "_bcrypt", "Foreign", 9)]
    [InlineData("_pymssql.cp311-win_amd64.pyd", "_pymssql", "Foreign", null)]
    public void Extension_names_say_which_Python_and_platform_they_are_for(string name, string module, string kind, int? minor)
    {
        var (parsedModule, tag) = ExtensionTag.Of(name)!.Value;

        Assert.Equal(module, parsedModule);
        Assert.Equal(kind, tag.Kind.ToString());
        Assert.Equal(minor, tag.Minor);
    }

    [Theory]
    [InlineData("python3.7", "cpython-37m-x86_64-linux-gnu", "Amazon Linux")]
    [InlineData("python3.11", "cpython-311-x86_64-linux-gnu", "Amazon Linux 2")]
    [InlineData("python3.13", "cpython-313-x86_64-linux-gnu", "Amazon Linux 2023")]
    public void Each_Python_runtime_imports_its_own_tag(string runtime, string tag, string system)
    {
        var python = LambdaPythonRuntime.Of(runtime)!;

        Assert.Equal(tag, python.ExtensionTag("x86_64"));
        Assert.Equal(tag.Replace("x86_64", "aarch64", StringComparison.Ordinal), python.ExtensionTag("arm64"));
        Assert.Equal(system, python.OperatingSystem);
        Assert.Null(LambdaPythonRuntime.Of("nodejs20.x"));
    }
}
