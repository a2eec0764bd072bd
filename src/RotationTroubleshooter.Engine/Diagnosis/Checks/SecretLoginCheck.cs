using RotationTroubleshooter.Database;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>Only with -IncludeDatabaseLogin: logs into the database with each version, as Test-RotationDatabaseLogin does.</summary>
internal sealed class SecretLoginCheck : RotationCheck
{
    public static readonly FindingDefinition SecretValueInvalid = new(nameof(SecretValueInvalid), FindingSeverity.Error,
        "A version of the secret has a value a rotation template cannot use.",
        "Store the secret value as a JSON object with the keys its rotation template needs (engine, host, username, password; optional port, dbname, ssl).",
        AwsDocs.SecretJsonStructure);

    public override string Id => "DatabaseLogin";
    public override string Description => "only with `-IncludeDatabaseLogin`: logs into the database with each version, as `Test-RotationDatabaseLogin` does";
    public override CheckArea Area => CheckArea.Database;
    public override IReadOnlyList<FindingDefinition> Findings { get; } =
        [.. DatabaseLoginFindings.All, SecretJsonCheck.SecretNotJson, RotationSymptoms.SecretJsonKeyMissing, SecretValueInvalid];
    public override IReadOnlyList<string> Permissions { get; } = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"];
    public override bool AppliesTo(DiagnosisContext context) => base.AppliesTo(context) && context.Options.IncludeDatabaseLogin;

    public override async Task RunAsync(DiagnosisContext context, CancellationToken cancellation)
    {
        // What the function bundles and when it was set up decide whether the server's demands are a problem.
        var libpq = context.LibpqAsync(cancellation);
        var age = context.AgeAsync(cancellation);
        var login = await context.DatabaseLoginAsync(cancellation).ConfigureAwait(false);
        var libpqMajor = (await OrNull(libpq).ConfigureAwait(false))?.Where(r => r.LibpqMajorVersion != null).Select(r => r.LibpqMajorVersion).Min();
        var predatesTls = (await OrNull(age).ConfigureAwait(false))?.PredatesTlsSupport;
        foreach (var finding in FindingsOf(login, libpqMajor, predatesTls))
            context.Add(this, finding);
    }

    /// <summary>
    /// The login findings over the results, an Error per stage whose value a rotation template could not use either, and
    /// an Info DatabaseLoginNotTested per stage that could not be read here (denied, KMS, missing stage).
    /// </summary>
    internal static IEnumerable<Finding> FindingsOf(DatabaseLoginCheck login, int? libpqMajor, bool? predatesTls)
    {
        foreach (var finding in DatabaseLoginFindings.Evaluate(login.Results, libpqMajor, predatesTls)) yield return finding;
        foreach (var failure in login.Failures)
        {
            var error = failure.Error;
            var evidence = new[] { $"Error id {error.ErrorId}." };
            yield return error.ErrorId switch
            {
                ErrorIds.SecretValueNotJson or ErrorIds.SecretValueBinary or ErrorIds.SecretValueEmpty =>
                    SecretJsonCheck.SecretNotJson.Raise(evidence, error.Message, SecretValueInvalid.Remediation),
                ErrorIds.SecretJsonKeyMissing => RotationSymptoms.SecretJsonKeyMissing.Raise(evidence, error.Message),
                ErrorIds.SecretValueInvalid => SecretValueInvalid.Raise(evidence, error.Message),
                _ => DatabaseLoginFindings.DatabaseLoginNotTested.Raise(evidence,
                    $"The database login with the {failure.Stage} version was not tested: {error.Message}"),
            };
        }
    }

    /// <summary>The bundle and age only sharpen the login findings: without them the login is still judged.</summary>
    private static async Task<T?> OrNull<T>(Task<T?> task) where T : class
    {
        try
        {
            return await task.ConfigureAwait(false);
        }
        catch (TroubleshooterException)
        {
            return null;
        }
    }
}
