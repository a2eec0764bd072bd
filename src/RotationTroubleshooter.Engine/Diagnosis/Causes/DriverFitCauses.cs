using RotationTroubleshooter.Bundles;
using RotationTroubleshooter.Database;
using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Diagnosis.Causes;

/// <summary>
/// The causes of a refused login that lie in the function's driver rather than in the secret or the network: a PyMySQL
/// that cannot encrypt a caching_sha2_password login without 'cryptography', a FreeTDS built without TLS against a
/// server that requires it. The bundle fit says whether the driver can; the secret's "ssl" and the server's answers say
/// whether it had to.
/// </summary>
internal static class DriverFitCauses
{
    public static readonly FindingDefinition[] Causes = [BundleFitFindings.PyMySqlWithoutCryptography, BundleFitFindings.FreeTdsWithoutTls];

    /// <summary>One assessment per driver the bundle carries; none when the bundle was not read or carries neither.</summary>
    public static async Task<IReadOnlyList<CauseAssessment>> AssessAsync(CauseEvidence evidence, DatabaseServerFacts? server, DatabaseTlsPreference? tls,
        CancellationToken cancellation)
    {
        var reading = await evidence.ReadAsync(FunctionInputs.BundleFit, cancellation).ConfigureAwait(false);
        if (reading.Value is not { } fit)
            // Without the bundle, the driver's words in the log still name it as a candidate.
            return [.. Causes.Where(c => evidence.Attempt.DriverMessages.Any(w => w.Message.Causes.Contains(c))).Select(c => new CauseAssessment(c, CauseVerdict.Undetermined,
                [.. evidence.Attempt.DriverMessages.Where(w => w.Message.Causes.Contains(c)).Select(w => $"{w.Message.Writer} says: {w.Text}"),
                    CauseEvidence.Missing(reading, "The function's bundle")], evidence.Rerun("-Check FunctionBundleFit")))];
        var login = $"Test-RotationDatabaseLogin -SecretId '{evidence.SecretName}'";
        var causes = new List<CauseAssessment>();
        if (fit.PyMySqlHasCryptography is { } hasCryptography)
        {
            var cause = BundleFitFindings.PyMySqlWithoutCryptography;
            var problem = fit.Problem(cause)?.Evidence ?? [];
            causes.Add(hasCryptography ? new CauseAssessment(cause, CauseVerdict.RuledOut, ["The bundle's PyMySQL has a 'cryptography' that loads."])
                : tls != DatabaseTlsPreference.PlainOnly ? new CauseAssessment(cause, CauseVerdict.RuledOut,
                    [.. problem, "The secret lets the function connect with TLS, over which caching_sha2_password needs no 'cryptography'."])
                : server?.AuthenticationMethod is "caching_sha2_password" or "sha256_password"
                    ? new CauseAssessment(cause, CauseVerdict.Confirmed, [.. problem, $"{server.Endpoint} asks for {server.AuthenticationMethod}, and the secret says \"ssl\": false."])
                : server?.AuthenticationMethod is { } other ? new CauseAssessment(cause, CauseVerdict.RuledOut, [$"{server.Endpoint} asks for {other}, which PyMySQL does without 'cryptography'."])
                : new CauseAssessment(cause, CauseVerdict.Likely, [.. problem, "The secret says \"ssl\": false; what the server asks this user for was not learnt here."], login));
        }
        if (fit.FreeTdsHasTls is { } hasTls)
        {
            var cause = BundleFitFindings.FreeTdsWithoutTls;
            var problem = fit.Problem(cause)?.Evidence ?? [];
            causes.Add(hasTls ? new CauseAssessment(cause, CauseVerdict.RuledOut, ["The bundle's FreeTDS links a TLS library."])
                : server?.PlainRefusedForUser == true ? new CauseAssessment(cause, CauseVerdict.Confirmed, [.. problem, .. server.Evidence])
                : new CauseAssessment(cause, CauseVerdict.Likely, [.. problem, "Whether the server requires encryption (rds.force_ssl) was not learnt here."], login));
        }
        return causes;
    }
}
