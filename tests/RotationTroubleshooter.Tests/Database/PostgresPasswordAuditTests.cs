using RotationTroubleshooter.Database;
namespace RotationTroubleshooter.Tests.Database;

[Collection(DatabaseServersCollection.Name)]
public sealed class PostgresPasswordAuditTests(DatabaseServersFixture servers)
{
    [Fact]
    public async Task SuperuserSecret_ListsTheRoleWithAnMd5Password_AndNotTheScramOnes()
    {
        var pg = servers.PostgresScram;
        var secret = DatabaseLoginProbeTests.Secret("postgres", pg.Host, pg.Port, pg.Get("superuser"), pg.Get("superuserPassword"), "postgres");

        var roles = await PostgresPasswordAudit.FindNonScramRolesAsync(DatabaseConnectionInfo.Parse(secret), servers.Options());

        var legacy = Assert.Single(roles);
        Assert.Equal(pg.Get("legacyMd5User"), legacy.RoleName);
        Assert.Equal("md5", legacy.PasswordKind);
        Assert.Equal("pg_authid", legacy.Source);
    }

    [Fact]
    public async Task UnprivilegedSecret_SaysItCannotReadPgAuthid()
    {
        var pg = servers.PostgresScram;
        var secret = DatabaseLoginProbeTests.Secret("postgres", pg.Host, pg.Port, pg.AppUser, pg.AppPassword, pg.Database);

        var ex = await Assert.ThrowsAsync<DatabaseAuditException>(() =>
            PostgresPasswordAudit.FindNonScramRolesAsync(DatabaseConnectionInfo.Parse(secret), servers.Options()));

        Assert.Contains("may not read pg_authid", ex.Message);
        Assert.DoesNotContain(pg.AppPassword, ex.ToString());
    }

    [Fact]
    public async Task LoginFailure_IsReportedWithoutThePassword()
    {
        var canary = "Canary" + Guid.NewGuid().ToString("N");
        var pg = servers.PostgresScram;
        var secret = DatabaseLoginProbeTests.Secret("postgres", pg.Host, pg.Port, pg.Get("superuser"), canary, "postgres");

        var ex = await Assert.ThrowsAsync<DatabaseAuditException>(() =>
            PostgresPasswordAudit.FindNonScramRolesAsync(DatabaseConnectionInfo.Parse(secret), servers.Options()));

        Assert.Contains("password authentication failed", ex.Message);
        Assert.DoesNotContain(canary, ex.ToString());
    }
}
