using RotationTroubleshooter.Database;
using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>Only with -IncludeDatabaseLogin: logs into the database with each version, as Test-RotationDatabaseLogin does.</summary>
internal sealed class DatabaseLoginCheck : RotationCheck
{
    public static readonly FindingDefinition SecretValueInvalid = new(nameof(SecretValueInvalid), FindingSeverity.Error,
        "A version of the secret has a value a rotation template cannot use.",
        "Store the secret value as a JSON object with the keys its rotation template needs (engine, host, username, password; optional port, dbname, ssl).",
        AwsDocs.SecretJsonStructure);

    public override string Description => "only with `-IncludeDatabaseLogin`: logs into the database with each version, as `Test-RotationDatabaseLogin` does";
    public override CheckArea Area => CheckArea.Database;
    public override IReadOnlyList<FindingDefinition> Findings { get; } =
        [.. DatabaseLoginFindings.All, SecretJsonCheck.SecretNotJson, RotationSymptoms.SecretJsonKeyMissing, SecretValueInvalid];
    public override IReadOnlyList<Input> Inputs { get; } = [DatabaseInputs.Login];
    // What the function bundles and when it was set up decide whether the server's demands are a problem.
    public override IReadOnlyList<Input> OptionalInputs { get; } = [FunctionInputs.Bundle, FunctionInputs.Age];

    public override async Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        var bundle = context.TryGetAsync(FunctionInputs.Bundle, cancellation);
        var age = context.TryGetAsync(FunctionInputs.Age, cancellation);
        if (await context.GetAsync(DatabaseInputs.Login, cancellation).ConfigureAwait(false) is not { } login) return;
        var libpqMajor = FunctionInputs.OldestLibpq(await bundle.ConfigureAwait(false));
        var predatesTls = (await age.ConfigureAwait(false))?.PredatesTlsSupport;
        foreach (var finding in FindingsOf(login, libpqMajor, predatesTls))
            context.Add(finding);
    }

    /// <summary>
    /// The login findings over the results, an Error per stage whose value a rotation template could not use either, and
    /// an Info DatabaseLoginNotTested per stage that could not be read here (denied, KMS, missing stage).
    /// </summary>
    internal static IEnumerable<Finding> FindingsOf(SecretLogins login, int? libpqMajor, bool? predatesTls)
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
}
