using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Bundles;
using RotationTroubleshooter.Diagnosis.Checks;
using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Logs;
using RotationTroubleshooter.Tests.Bundles;
using RotationTroubleshooter.Tests.Logs;

namespace RotationTroubleshooter.Tests.Diagnosis;

/// <summary>
/// The function's bundle fit and the drivers' own words as causes: a failure's log read as Lambda writes it, the bundle
/// built as the templates' bundles are, and the diagnosis's Cause.
/// </summary>
[Collection(BundleFitFixturesCollection.Name)]
public sealed class BundleFitCauseTests(BundleFitFixtures modules, NativeFixtures libpq)
{
    private const string PostgreSql = "SecretsManagerRDSPostgreSQLRotationSingleUser";
    private const string MySql = "SecretsManagerRDSMySQLRotationSingleUser";
    private const string Arn = DiagnosisFixture.SecretArn;
    private readonly DiagnosisFixture _f = new();

    private static BundleFit Fit(BundleBuilder bundle, string runtime)
    {
        using var zip = new MemoryStream(bundle.Zip());
        return BundleFitInspector.InspectFunction(zip, "rotate-orders", [], new FunctionRuntimeFacts(runtime, "x86_64", "lambda_function.lambda_handler"));
    }

    private BundleBuilder PyGreSql39() => BundleFitFixtures.DistInfo(new BundleBuilder()
        .File("lambda_function.py", BundleFitFixtures.Template(PostgreSql))
        .File("pg.py", "version = __version__ = '5.2.4'\nfrom _pg import *\n")
        .File("pgdb.py", "from _pg import *\n")
        .CopyOf("_pg.cpython-39-x86_64-linux-gnu.so", libpq.PyGreSqlAgainst10)
        .CopyOf("libpq.so.5", libpq.Libpq10RunPath), "", "PyGreSQL", "5.2.4");

    private BundleBuilder PyMySqlWithoutCryptography() => BundleFitFixtures.DistInfo(new BundleBuilder()
        .File("lambda_function.py", BundleFitFixtures.Template(MySql))
        .File("pymysql/__init__.py", "VERSION = (1, 1, 0, \"final\")\n"), "", "PyMySQL", "1.1.0");

    /// <summary>The function's logs as Lambda writes them, and the attempt and runtime starts the diagnosis reads from them.</summary>
    private void LogsAre(Transcript transcript)
    {
        var events = transcript.Events;
        _f.Given(FunctionInputs.LatestAttempt, RotationLogAnalyzer.Analyze(events, "rotate-orders", asOf: transcript.Clock.AddHours(1)).Last());
        _f.Given(FunctionInputs.RuntimeVersions, RuntimeVersionRecords.All(events));
    }

    private static string InitStart(string version) =>
        $"INIT_START Runtime Version: {version}\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:0a1b2c3d{version.Length}";

    [TemplateFact]
    public void An_import_error_after_the_runtime_moved_to_another_Python_is_confirmed_with_the_date_it_moved()
    {
        // https://github.com/aws-samples/aws-secrets-manager-rotation-lambdas/issues/161: "No module named '_pg'" after 3.9 -> 3.10.
        var t = new Transcript(LambdaLogFormat.Text);
        t.Raw(InitStart("python:3.9.v40"));
        t.Invoke(900, InvocationEnd.Success, [Transcript.Put(Arn, "v1")]);
        t.Wait(TimeSpan.FromDays(2)).Raw(InitStart("python:3.11.v29"), "2026/11/22/[$LATEST]ffff");
        t.Invoke(40, InvocationEnd.Error, [], unhandled: "Runtime.ImportModuleError: Unable to import module 'lambda_function': No module named '_pg'",
            inStream: "2026/11/22/[$LATEST]ffff");
        LogsAre(t);
        _f.Function.Runtime = "python3.11";
        _f.Given(FunctionInputs.BundleFit, Fit(PyGreSql39(), "python3.11"));
        _f.Given(FunctionInputs.RuntimeManagement, new RuntimeManagementConfig { UpdateRuntimeOn = "Auto" });

        var d = _f.Diagnose(typeof(LastRotationAttemptCheck), typeof(FunctionBundleFitCheck));

        Assert.Equal(("FunctionImportError", "NativeModuleBuiltForOtherPython"), (d.Symptom, d.Cause));
        var finding = d.Findings[0];
        Assert.Equal("NativeModuleBuiltForOtherPython", finding.CheckId);
        Assert.Matches(@"built for Python 3\.9, and the function runs python3\.11 since its runtime was updated on 2026-11-22 03:0\d UTC", finding.Message);
        Assert.Contains(d.Causes[0].Evidence, e => e.Contains("_pg.cpython-39-x86_64-linux-gnu.so", StringComparison.Ordinal));
        Assert.Equal(CauseVerdict.RuledOut, d.Causes.Single(c => c.Id == "DriverNotInBundle").Verdict);
        Assert.DoesNotContain("redeploy", d.Causes[0].Summary, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Without_the_bundle_the_import_error_names_the_check_that_settles_it()
    {
        var t = new Transcript(LambdaLogFormat.Json);
        t.Invoke(40, InvocationEnd.Error, [], unhandled: "Runtime.ImportModuleError: Unable to import module 'lambda_function': No module named 'pymssql._pymssql'");
        LogsAre(t);

        var d = _f.Diagnose(typeof(LastRotationAttemptCheck));

        Assert.Equal("FunctionImportError", d.Symptom);
        Assert.Null(d.Cause);
        var otherPython = d.Causes.Single(c => c.Id == "NativeModuleBuiltForOtherPython");
        Assert.Equal(CauseVerdict.Undetermined, otherPython.Verdict);
        Assert.Equal("Test-SecretRotation -SecretId 'prod/orders' -Check FunctionBundleFit", otherPython.Command);
    }

    [Fact]
    public void The_loaders_own_words_confirm_a_module_built_on_a_Mac()
    {
        var t = new Transcript(LambdaLogFormat.Text);
        t.Invoke(40, InvocationEnd.Error, [], unhandled: "Runtime.ImportModuleError: Unable to import module 'lambda_function': /var/task/bcrypt/_bcrypt.so: invalid ELF header");
        LogsAre(t);

        var d = _f.Diagnose(typeof(LastRotationAttemptCheck));

        Assert.Equal(("FunctionImportError", "NativeModuleNotForLinux"), (d.Symptom, d.Cause));
    }

    [TemplateFact]
    public void A_PyMySQL_without_cryptography_is_the_confirmed_cause_of_its_own_words()
    {
        // https://github.com/aws-samples/aws-secrets-manager-rotation-lambdas/issues/138
        var t = new Transcript(LambdaLogFormat.Text);
        t.Invoke(120, InvocationEnd.Error, [Transcript.Put(Arn, "v1")],
            unhandled: "RuntimeError: 'cryptography' package is required for sha256_password or caching_sha2_password auth methods");
        LogsAre(t);
        _f.Given(FunctionInputs.BundleFit, Fit(PyMySqlWithoutCryptography(), "python3.12"));

        var d = _f.Diagnose(typeof(LastRotationAttemptCheck), typeof(FunctionBundleFitCheck));

        Assert.Equal(("DriverError", "PyMySqlWithoutCryptography"), (d.Symptom, d.Cause));
        Assert.Contains(d.Causes[0].Evidence, e => e.Contains("pymysql 1.1.0", StringComparison.Ordinal));
    }

    [TemplateFact]
    public void A_handler_that_logged_a_step_on_this_runtime_imported_whatever_the_download_shows()
    {
        // The harness's and many real packages' drivers come from a layer or path the module does not model.
        var bundle = Fit(new BundleBuilder().File("lambda_function.py", BundleFitFixtures.Template(MySql)), "python3.12");
        _f.Function.LastModified = "2026-11-01T00:00:00.000+0000";
        _f.Given(FunctionInputs.BundleFit, bundle);
        var ran = new Transcript(LambdaLogFormat.Text);
        ran.Invoke(900, InvocationEnd.Success, [Transcript.Put(Arn, "v1")]);
        ran.Invoke(120, InvocationEnd.Error, [], unhandled: "RuntimeError: 'cryptography' package is required for sha256_password or caching_sha2_password auth methods");
        LogsAre(ran);

        Assert.DoesNotContain(_f.Diagnose(typeof(FunctionBundleFitCheck)).Findings, f => f.CheckId == "DriverNotInBundle");

        var failedToImport = new Transcript(LambdaLogFormat.Text);
        failedToImport.Invoke(40, InvocationEnd.Error, [], unhandled: "Runtime.ImportModuleError: Unable to import module 'lambda_function': No module named 'pymysql'");
        LogsAre(failedToImport);
        Assert.Contains(_f.Diagnose(typeof(FunctionBundleFitCheck)).Findings, f => f.CheckId == "DriverNotInBundle");
    }

    [Fact]
    public void A_rotation_that_succeeded_downloads_no_bundle()
    {
        var t = new Transcript(LambdaLogFormat.Text);
        t.Invoke(900, InvocationEnd.Success, [Transcript.Put(Arn, "v1")]);
        t.Invoke(300, InvocationEnd.Success, [Transcript.SetOk(Arn)], coldStart: false);
        t.Invoke(300, InvocationEnd.Success, [Transcript.TestOk(Arn)], coldStart: false);
        t.Invoke(300, InvocationEnd.Success, [Transcript.FinishOk(Arn, "v1")], coldStart: false);
        LogsAre(t);
        _f.Fails(FunctionInputs.BundleFit, new InvalidOperationException("the bundle was read"));

        Assert.Empty(_f.Diagnose(typeof(FunctionBundleFitCheck)).Findings);
    }
}
