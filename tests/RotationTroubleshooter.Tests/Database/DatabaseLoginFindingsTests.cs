using RotationTroubleshooter.Database;
namespace RotationTroubleshooter.Tests.Database;

[Collection(DatabaseServersCollection.Name)]
public sealed class DatabaseLoginFindingsTests(DatabaseServersFixture servers)
{
    private async Task<DatabaseLoginResult> LoginAsync(string stage, string password, object? ssl = null)
    {
        var pg = servers.PostgresScram;
        var secret = DatabaseLoginProbeTests.Secret("postgres", pg.Host, pg.Port, pg.AppUser, password, pg.Database, ssl);
        return await new DatabaseLoginProbe(servers.Options()).TestLoginAsync(DatabaseConnectionInfo.Parse(secret), stage);
    }

    [Fact]
    public async Task CurrentRejectedButPreviousWorks_SaysTheDatabaseKeptThePreviousPassword()
    {
        var password = servers.PostgresScram.AppPassword;
        var results = new[] { await LoginAsync("AWSCURRENT", "rotated-but-never-set-1"), await LoginAsync("AWSPREVIOUS", password) };

        var findings = DatabaseLoginFindings.Evaluate(results);

        var finding = Assert.Single(findings);
        Assert.Equal("CurrentCredentialsRejected", finding.CheckId);
        Assert.Equal(FindingSeverity.Error, finding.Severity);
        Assert.Contains("rejects the user name or password", finding.Message);
        Assert.Contains(finding.Evidence, e => e.Contains("AWSPREVIOUS logs in"));
        Assert.All(finding.Evidence, e => Assert.DoesNotContain(password, e));
    }

    [Fact]
    public async Task PendingRejected_PointsAtSetSecret()
    {
        var results = new[] { await LoginAsync("AWSCURRENT", servers.PostgresScram.AppPassword), await LoginAsync("AWSPENDING", "pending-never-set-1") };

        var finding = Assert.Single(DatabaseLoginFindings.Evaluate(results));

        Assert.Equal("PendingCredentialsRejected", finding.CheckId);
        Assert.Contains("setSecret", finding.Remediation);
    }

    [Fact]
    public async Task ScramServerWithOldLibpq_AndTlsServerWithPreTlsFunction_AreBothNamed()
    {
        var results = new[] { await LoginAsync("AWSCURRENT", servers.PostgresScram.AppPassword) };

        Assert.Empty(DatabaseLoginFindings.Evaluate(results, functionLibpqMajorVersion: 10, functionPredatesTls: false));
        var ids = DatabaseLoginFindings.Evaluate(results, functionLibpqMajorVersion: 9, functionPredatesTls: true).Select(f => f.CheckId).ToList();

        Assert.Equal(["DatabaseRequiresScramButFunctionLibpqTooOld", "DatabaseRequiresTlsButFunctionPredatesTls"], ids);
    }

    [Fact]
    public async Task SslFalseAgainstTlsOnlyServer_TellsToRemoveTheSslKey()
    {
        var results = new[] { await LoginAsync("AWSCURRENT", servers.PostgresScram.AppPassword, ssl: false) };

        var finding = Assert.Single(DatabaseLoginFindings.Evaluate(results));

        // Not the credentials: the connection the secret asks for is refused.
        Assert.Equal("DatabaseRequiresTlsSecretDisablesIt", finding.CheckId);
        Assert.Contains("\"ssl\" to true", finding.Remediation);
    }

    [Fact]
    public async Task UnreachableDatabase_IsAWarningThatNamesTheVantage()
    {
        var secret = DatabaseLoginProbeTests.Secret("postgres", "127.0.0.1", DatabaseLoginProbeTests.FreePort(), "u", "unused-password-1");
        var result = await new DatabaseLoginProbe().TestLoginAsync(DatabaseConnectionInfo.Parse(secret), "AWSCURRENT");

        var finding = Assert.Single(DatabaseLoginFindings.Evaluate([result]));

        Assert.Equal("DatabaseUnreachableFromHere", finding.CheckId);
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.Contains("this machine (", finding.Message);
    }
}
