using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;
using RotationTroubleshooter.Database;

namespace RotationTroubleshooter.Tests.Database;

[Collection(DatabaseServersCollection.Name)]
public sealed class DatabaseLoginProbeTests(DatabaseServersFixture servers)
{
    internal static string Secret(string engine, string host, int port, string user, string password, string? dbname = null, object? ssl = null)
    {
        var secret = new Dictionary<string, object> { ["engine"] = engine, ["host"] = host, ["port"] = port, ["username"] = user, ["password"] = password };
        if (dbname is not null)
        {
            secret["dbname"] = dbname;
        }

        if (ssl is not null)
        {
            secret["ssl"] = ssl;
        }

        return JsonSerializer.Serialize(secret);
    }

    private Task<DatabaseLoginResult> LoginAsync(string secretJson, DatabaseProbeOptions? options = null, string stage = "AWSCURRENT") =>
        new DatabaseLoginProbe(options ?? servers.Options()).TestLoginAsync(DatabaseConnectionInfo.Parse(secretJson), stage);

    private string PostgresScramSecret(string? password = null, string? user = null, string? dbname = null, object? ssl = null)
    {
        var pg = servers.PostgresScram;
        return Secret("postgres", pg.Host, pg.Port, user ?? pg.AppUser, password ?? pg.AppPassword, dbname ?? pg.Database, ssl);
    }

    private string MariaDbSecret(string? password = null, string? dbname = null, object? ssl = null)
    {
        var db = servers.MariaDb;
        return Secret("mariadb", db.Host, db.Port, db.AppUser, password ?? db.AppPassword, dbname ?? db.Database, ssl);
    }

    [Fact]
    public async Task Postgres_WorkingPassword_LogsInOverVerifiedTlsWithScram()
    {
        var result = await LoginAsync(PostgresScramSecret());

        Assert.True(result.LoginSucceeded, result.Message);
        Assert.Null(result.FailureKind);
        Assert.True(result.TcpReachable);
        Assert.True(result.TlsUsed);
        Assert.True(result.ServerRequiresTls);
        Assert.Equal("scram-sha-256", result.AuthenticationMethod);
        Assert.Equal("AWSCURRENT", result.Stage);
        Assert.Equal($"127.0.0.1:{servers.PostgresScram.Port}", result.Endpoint);
        Assert.StartsWith("this machine (", result.Vantage);
        Assert.Contains("may see the database differently", result.Vantage);
    }

    [Fact]
    public async Task Postgres_WrongPassword_IsPasswordRejected()
    {
        var result = await LoginAsync(PostgresScramSecret(password: "not-the-password-1"), stage: "AWSPREVIOUS");

        Assert.False(result.LoginSucceeded);
        Assert.Equal(DatabaseLoginFailureKind.PasswordRejected, result.FailureKind);
        Assert.True(result.TlsUsed);
        Assert.Equal("scram-sha-256", result.AuthenticationMethod);
        Assert.Contains("password authentication failed", result.Message);
        Assert.Equal("AWSPREVIOUS", result.Stage);
    }

    [Fact]
    public async Task Postgres_WrongDatabaseName_IsUnknownDatabase()
    {
        var result = await LoginAsync(PostgresScramSecret(dbname: "no_such_database"));

        Assert.False(result.LoginSucceeded);
        Assert.Equal(DatabaseLoginFailureKind.UnknownDatabase, result.FailureKind);
        Assert.Contains("no_such_database", result.Message);
    }

    [Fact]
    public async Task Postgres_MissingUser_IsRejectedAndTheAmbiguityIsExplained()
    {
        var result = await LoginAsync(PostgresScramSecret(user: "rt_nobody"));

        // PostgreSQL answers a missing user exactly as a wrong password (28P01), by design.
        Assert.False(result.LoginSucceeded);
        Assert.Equal(DatabaseLoginFailureKind.PasswordRejected, result.FailureKind);
        Assert.Contains("user that does not exist", result.Message);
    }

    [Fact]
    public async Task Postgres_SslFalseAgainstHostsslOnlyServer_IsTlsRequired()
    {
        var result = await LoginAsync(PostgresScramSecret(ssl: false));

        Assert.False(result.LoginSucceeded);
        Assert.Equal(DatabaseLoginFailureKind.TlsRequired, result.FailureKind);
        Assert.False(result.TlsUsed);
        Assert.True(result.ServerRequiresTls);
        Assert.Equal("scram-sha-256", result.AuthenticationMethod);
        Assert.Contains("no encryption", result.Message);
    }

    [Fact]
    public async Task Postgres_SslFalseAgainstAnExplicitHostnosslRejectLine_IsTlsRequired()
    {
        var pg = servers.PostgresScram;
        var result = await LoginAsync(PostgresScramSecret(user: pg.Get("plainRejectedUser"), password: pg.Get("plainRejectedPassword"), ssl: false));

        Assert.False(result.LoginSucceeded);
        Assert.Equal(DatabaseLoginFailureKind.TlsRequired, result.FailureKind);
        Assert.True(result.ServerRequiresTls);
        Assert.Contains("pg_hba.conf rejects connection", result.Message);
    }

    [Theory]
    [InlineData("true")]
    [InlineData(null)]
    public async Task Postgres_CertificateNotTrusted_IsNotTried_AndSaysHowToMakeItPossible(string? ssl)
    {
        // No test CA given: the server's certificate does not chain to this machine's trust store.
        var result = await LoginAsync(PostgresScramSecret(ssl: ssl), new DatabaseProbeOptions());

        Assert.Null(result.LoginSucceeded);
        Assert.Equal(DatabaseLoginFailureKind.NoVerifiedTls, result.FailureKind);
        Assert.False(result.TlsUsed);
        Assert.Contains("before any credential was sent", result.Message);
        Assert.Contains("does not chain to a root in this machine's trust store", result.Message);
        Assert.Contains("-CaCertificatePath", result.Message);
    }

    [Fact]
    public async Task Postgres_NoSslKey_ServerWithoutTls_IsNotTried_AndNamesWhatTheFunctionSends()
    {
        var pg = servers.PostgresMd5;
        var result = await LoginAsync(Secret("postgres", pg.Host, pg.Port, pg.AppUser, pg.AppPassword, pg.Database));

        Assert.Null(result.LoginSucceeded);
        Assert.Equal(DatabaseLoginFailureKind.NoVerifiedTls, result.FailureKind);
        Assert.False(result.TlsUsed);
        Assert.False(result.ServerRequiresTls);
        Assert.Equal("md5", result.AuthenticationMethod);
        Assert.Contains("The rotation function logs in without TLS", result.Message);
        Assert.Contains("an md5 hash of the password", result.Message);
        Assert.Contains("Attempt 2, plain (no TLS): not tried", result.Message);
    }

    [Fact]
    public async Task Postgres_AllowPlaintextLogin_StillNeverAnswersMd5WithoutTls()
    {
        var pg = servers.PostgresMd5;
        var options = new DatabaseProbeOptions { TrustedCaCertificatePath = servers.CaCertificatePath, AllowPlaintextLogin = true };
        var result = await LoginAsync(Secret("postgres", pg.Host, pg.Port, pg.AppUser, pg.AppPassword, pg.Database), options);

        // The real server would accept the md5 answer: that the login is not made shows the answer was never sent.
        Assert.Null(result.LoginSucceeded);
        Assert.Equal(DatabaseLoginFailureKind.NoVerifiedTls, result.FailureKind);
        Assert.Contains("Attempt 2, plain (no TLS): stopped unanswered: the server asked for md5", result.Message);
    }

    [Fact]
    public async Task Postgres_SslTrueAgainstServerWithoutTls_IsTlsHandshakeFailed()
    {
        var pg = servers.PostgresMd5;
        var result = await LoginAsync(Secret("postgres", pg.Host, pg.Port, pg.AppUser, pg.AppPassword, pg.Database, ssl: true));

        Assert.False(result.LoginSucceeded);
        Assert.Equal(DatabaseLoginFailureKind.TlsHandshakeFailed, result.FailureKind);
        Assert.DoesNotContain("Attempt 2", result.Message);
    }

    [Fact]
    public async Task Redshift_UsesThePostgresProtocolLogin()
    {
        var pg = servers.PostgresScram;
        var result = await LoginAsync(Secret("redshift", pg.Host, pg.Port, pg.AppUser, pg.AppPassword, pg.Database));

        Assert.True(result.LoginSucceeded, result.Message);
        Assert.Equal(DatabaseEngine.Redshift, result.Engine);
        Assert.Equal("scram-sha-256", result.AuthenticationMethod);
    }

    [Fact]
    public async Task NothingListening_IsUnreachable_AndNoLoginIsTried()
    {
        var port = FreePort();
        var result = await LoginAsync(Secret("postgres", "127.0.0.1", port, "rt_app", "whatever-1"));

        Assert.False(result.TcpReachable);
        Assert.Null(result.LoginSucceeded);
        Assert.Equal(DatabaseLoginFailureKind.Unreachable, result.FailureKind);
        Assert.Contains("Login not tried", result.Message);
    }

    [Fact]
    public async Task ServerThatNeverAnswers_IsTimeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = silent.AcceptTcpClientAsync();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;

        var result = await LoginAsync(Secret("postgres", "127.0.0.1", port, "rt_app", "whatever-1", ssl: true), servers.Options(timeoutSeconds: 1));

        Assert.True(result.TcpReachable);
        Assert.False(result.LoginSucceeded);
        Assert.Equal(DatabaseLoginFailureKind.Timeout, result.FailureKind);
        Assert.InRange(result.DurationMs, 900, 10000);
        (await accepted).Dispose();
    }

    [Theory]
    [InlineData("mariadb")]
    [InlineData("postgres")]
    public async Task Cancellation_StopsALoginPromptly(string engine)
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = silent.AcceptTcpClientAsync();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var info = DatabaseConnectionInfo.Parse(Secret(engine, "127.0.0.1", port, "rt_app", "whatever-1"));
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new DatabaseLoginProbe(servers.Options()).TestLoginAsync(info, "AWSCURRENT", cancellation.Token));

        Assert.True(stopwatch.ElapsedMilliseconds < 3000, $"took {stopwatch.ElapsedMilliseconds} ms");
        (await accepted).Dispose();
    }

    [Fact]
    public async Task MariaDb_WorkingPassword_LogsInOverTlsWithNativePassword()
    {
        var result = await LoginAsync(MariaDbSecret());

        Assert.True(result.LoginSucceeded, result.Message);
        Assert.True(result.TlsUsed);
        Assert.True(result.ServerRequiresTls);
        Assert.Equal("mysql_native_password", result.AuthenticationMethod);
    }

    [Fact]
    public async Task MariaDb_UserWithAnotherPlugin_ReportsTheMethodTheServerSwitchedTo()
    {
        var db = servers.MariaDb;
        var result = await LoginAsync(Secret("mariadb", db.Host, db.Port, db.Get("ed25519User"), db.Get("ed25519Password")));

        // The server's handshake offers mysql_native_password, then asks this user for ed25519 (which the driver lacks).
        Assert.Equal("client_ed25519", result.AuthenticationMethod);
        Assert.False(result.LoginSucceeded);
        Assert.Equal(DatabaseLoginFailureKind.Other, result.FailureKind);
        Assert.Contains("ed25519", result.Message);
    }

    [Fact]
    public async Task MariaDb_WrongPassword_IsPasswordRejected()
    {
        var result = await LoginAsync(MariaDbSecret(password: "not-the-password-2"), stage: "AWSPENDING");

        Assert.False(result.LoginSucceeded);
        Assert.Equal(DatabaseLoginFailureKind.PasswordRejected, result.FailureKind);
        Assert.Contains("Access denied", result.Message);
        Assert.Equal("AWSPENDING", result.Stage);
    }

    [Fact]
    public async Task MariaDb_WrongDatabaseName_IsUnknownDatabase()
    {
        var result = await LoginAsync(MariaDbSecret(dbname: "no_such_database"));

        Assert.False(result.LoginSucceeded);
        Assert.Equal(DatabaseLoginFailureKind.UnknownDatabase, result.FailureKind);
    }

    [Fact]
    public async Task MariaDb_SslFalseAgainstRequireSecureTransport_IsTlsRequired()
    {
        var result = await LoginAsync(MariaDbSecret(ssl: false));

        Assert.False(result.LoginSucceeded);
        Assert.Equal(DatabaseLoginFailureKind.TlsRequired, result.FailureKind);
        Assert.True(result.ServerRequiresTls);
        Assert.False(result.TlsUsed);
    }

    [Fact]
    public async Task MariaDb_SslFalseWithWrongPassword_StaysPasswordRejected()
    {
        var result = await LoginAsync(MariaDbSecret(password: "not-the-password-3", ssl: false));

        Assert.Equal(DatabaseLoginFailureKind.PasswordRejected, result.FailureKind);
    }

    [Fact]
    public async Task OtherEngine_ProbesTcpAndTlsOnly_AndSaysTheLoginWasNotTried()
    {
        // An Oracle secret pointing at a port that speaks no bare TLS (PostgreSQL's).
        var pg = servers.PostgresScram;
        var result = await LoginAsync(Secret("oracle", pg.Host, pg.Port, "system", "whatever-1", dbname: "ORCL"));

        Assert.True(result.TcpReachable);
        Assert.Null(result.LoginSucceeded);
        Assert.Null(result.FailureKind);
        Assert.False(result.TlsUsed);
        Assert.Contains("Login not tried", result.Message);
    }

    [Fact]
    public async Task CanaryPassword_NeverAppearsInAnyResult()
    {
        var canary = "Canary" + Guid.NewGuid().ToString("N");
        var pg = servers.PostgresScram;
        var md5 = servers.PostgresMd5;
        var maria = servers.MariaDb;
        string[] secrets =
        [
            PostgresScramSecret(password: canary),
            PostgresScramSecret(password: canary, ssl: false),
            PostgresScramSecret(password: canary, user: "rt_nobody", dbname: "nodb"),
            Secret("postgres", md5.Host, md5.Port, md5.AppUser, canary, md5.Database),
            Secret("postgres", md5.Host, md5.Port, md5.AppUser, canary, md5.Database, ssl: true),
            Secret("redshift", pg.Host, pg.Port, pg.AppUser, canary, pg.Database),
            MariaDbSecret(password: canary),
            MariaDbSecret(password: canary, ssl: false),
            Secret("mysql", maria.Host, maria.Port, maria.AppUser, canary, "nodb"),
            Secret("postgres", "127.0.0.1", FreePort(), "u", canary),
            Secret("mongo", pg.Host, pg.Port, "u", canary),
        ];

        foreach (var secret in secrets)
        {
            var result = await LoginAsync(secret, servers.Options(timeoutSeconds: 2));
            AssertNoCanary(result, canary);
        }
    }

    internal static void AssertNoCanary(DatabaseLoginResult result, string canary)
    {
        Assert.DoesNotContain(canary, result.ToString());
        foreach (var property in typeof(DatabaseLoginResult).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            Assert.DoesNotContain(canary, property.GetValue(result)?.ToString() ?? string.Empty);
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
