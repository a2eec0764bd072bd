using RotationTroubleshooter.Database;
using RotationTroubleshooter.Diagnosis.Checks;

namespace RotationTroubleshooter.Tests.Diagnosis;

public class DatabaseLoginCheckTests
{
    private static DatabaseLoginResult Result(string stage, bool? succeeded, DatabaseLoginFailureKind? kind, bool reachable = true) =>
        new DatabaseLoginResult(stage, DatabaseEngine.PostgreSql, "db:5432", "app", "postgres", reachable, true, true, "scram-sha-256",
            succeeded, kind, 12, "this machine", "m").ForSecret("arn:s", "prod/db", "v-" + stage);

    [Fact]
    public void Rejected_current_credentials_an_unusable_stage_and_an_unreadable_stage_each_become_a_finding()
    {
        var login = new SecretLogins("arn:s", "prod/db",
            [Result("AWSCURRENT", false, DatabaseLoginFailureKind.PasswordRejected), Result("AWSPREVIOUS", true, null)],
            [
                new DatabaseStageFailure("AWSPENDING", new TroubleshooterException("SecretValueNotJson", FailureCategory.InvalidData, "not JSON")),
                new DatabaseStageFailure("AWSPENDING", new TroubleshooterException("KmsAccessDenied", FailureCategory.PermissionDenied, "allow kms:Decrypt")),
            ]);

        var findings = DatabaseLoginCheck.FindingsOf(login, libpqMajor: null, predatesTls: null).ToList();

        Assert.Equal(["CurrentCredentialsRejected", "SecretNotJson", "DatabaseLoginNotTested"], findings.Select(f => f.CheckId));
        Assert.Equal(FindingSeverity.Error, findings[1].Severity);
        Assert.Equal(FindingSeverity.Info, findings[2].Severity);
        Assert.Contains("kms:Decrypt", findings[2].Message);
        Assert.Contains("AWSPREVIOUS logs in", string.Join(" ", findings[0].Evidence));
    }

    [Fact]
    public void A_result_keeps_the_secret_it_came_from()
    {
        var result = Result("AWSCURRENT", true, null);

        Assert.Equal("arn:s", result.SecretArn);
        Assert.Equal("prod/db", result.SecretName);
        Assert.Equal("v-AWSCURRENT", result.VersionId);
    }
}
