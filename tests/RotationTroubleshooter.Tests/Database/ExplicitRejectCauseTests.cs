using RotationTroubleshooter.Database;
using RotationTroubleshooter.Diagnosis.Checks;
using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Logs;
using RotationTroubleshooter.Tests.Diagnosis;
using RotationTroubleshooter.Tests.Logs;

namespace RotationTroubleshooter.Tests.Database;

/// <summary>
/// A real PostgreSQL 15 whose pg_hba.conf has an explicit "hostnossl ... reject" line for the user: the probe reads its
/// words ("pg_hba.conf rejects connection ... no encryption") before any password, and a fast setSecret login failure of
/// a secret that says "ssl": false gets DatabaseRequiresTlsSecretDisablesIt as its confirmed cause.
/// </summary>
[Collection(DatabaseServersCollection.Name)]
public sealed class ExplicitRejectCauseTests(DatabaseServersFixture servers)
{
    [Fact]
    public void The_servers_explicit_reject_confirms_that_the_secrets_plain_login_is_refused()
    {
        var pg = servers.PostgresScram;
        var user = pg.Get("plainRejectedUser");
        var f = new DiagnosisFixture();
        f.WithValue($$"""{"engine":"postgres","host":"{{pg.Host}}","port":{{pg.Port}},"username":"{{user}}","password":"never-sent","dbname":"postgres","ssl":false}""");
        f.Options = f.Options with { DatabaseProbe = servers.Options() };
        // The input's own read (the probe needs no AWS session), against the real server.
        f.Source.With(DatabaseInputs.Server, async (key, ct) => await DatabaseInputs.Server.Fetch(null!, (DatabaseProbeQuestion)key!, ct));
        var t = new Transcript(LambdaLogFormat.Text);
        t.Invoke(900, InvocationEnd.Success, [Transcript.Put(DiagnosisFixture.SecretArn, "v1")]);
        t.Invoke(120, InvocationEnd.Error, ["!" + Transcript.SetFailed(DiagnosisFixture.SecretArn)], unhandled: $"ValueError: {Transcript.SetFailed(DiagnosisFixture.SecretArn)[11..]}");
        f.Given(FunctionInputs.LatestAttempt, RotationLogAnalyzer.Analyze(t.Events, "rotate", asOf: t.Clock.AddHours(1)).Last());

        f.Given<IReadOnlyList<LibpqReport>>(FunctionInputs.Bundle, [new LibpqReport("f", "libpq.so.5", null, 15, true, PostgresDriver.PyGreSQL, [])]);
        f.Given(FunctionInputs.Age, new RotationFunctionAge
        {
            FunctionName = "f", CreatedDate = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), CreatedDateSource = "CloudFormationStack",
            PredatesTlsSupport = false, PredatesScramSupport = false,
        });

        var d = f.Diagnose(typeof(LastRotationAttemptCheck), typeof(DatabaseServerCheck));

        Assert.Equal(("DatabaseLoginRejected", "DatabaseRequiresTlsSecretDisablesIt"), (d.Symptom, d.Cause));
        Assert.Contains(d.Causes[0].Evidence, e => e.Contains($"pg_hba.conf rejects connection for host \"127.0.0.1\", user \"{user}\"", StringComparison.Ordinal));
    }
}
