using RotationTroubleshooter.Database;
namespace RotationTroubleshooter.Tests.Database;

public sealed class DatabaseConnectionInfoTests
{
    private const string Canary = "CanaryPw-7f3a9c1e";

    [Theory]
    [InlineData("postgres", DatabaseEngine.PostgreSql, 5432, "postgres")]
    [InlineData("aurora-postgresql", DatabaseEngine.PostgreSql, 5432, "postgres")]
    [InlineData("mysql", DatabaseEngine.MySql, 3306, null)]
    [InlineData("aurora-mysql", DatabaseEngine.MySql, 3306, null)]
    [InlineData("mariadb", DatabaseEngine.MariaDb, 3306, null)]
    [InlineData("sqlserver", DatabaseEngine.SqlServer, 1433, "master")]
    [InlineData("redshift", DatabaseEngine.Redshift, 5439, "dev")]
    [InlineData("mongo", DatabaseEngine.MongoDb, 27017, "admin")]
    [InlineData("db2", DatabaseEngine.Db2, 50000, null)]
    public void Parse_AppliesTheTemplateDefaults(string engine, DatabaseEngine expected, int port, string? dbname)
    {
        var info = DatabaseConnectionInfo.Parse($$"""{"engine":"{{engine}}","host":"db.example","username":"app","password":"{{Canary}}"}""");

        Assert.Equal(expected, info.Engine);
        Assert.Equal(engine, info.EngineName);
        Assert.Equal(port, info.Port);
        Assert.Equal(dbname, info.DatabaseName);
        Assert.Equal(DatabaseTlsPreference.TlsThenPlain, info.Tls);
        Assert.Equal($"db.example:{port}", info.Endpoint);
    }

    [Fact]
    public void Parse_ReadsExplicitValues_PortAsNumberOrString()
    {
        var info = DatabaseConnectionInfo.Parse($$"""{"engine":"postgres","host":"h","port":"6543","dbname":"orders","username":"u","password":"{{Canary}}","masterarn":"arn:aws:secretsmanager:us-east-1:1:secret:m"}""");
        Assert.Equal(6543, info.Port);
        Assert.Equal("orders", info.DatabaseName);
        Assert.Equal("arn:aws:secretsmanager:us-east-1:1:secret:m", info.MasterArn);
        Assert.Equal(Canary.Length, info.PasswordLength);

        Assert.Equal(7000, DatabaseConnectionInfo.Parse($$"""{"engine":"mysql","host":"h","port":7000,"username":"u","password":"p"}""").Port);
    }

    [Theory]
    [InlineData("true", DatabaseTlsPreference.TlsOnly)]
    [InlineData("\"TRUE\"", DatabaseTlsPreference.TlsOnly)]
    [InlineData("false", DatabaseTlsPreference.PlainOnly)]
    [InlineData("\"False\"", DatabaseTlsPreference.PlainOnly)]
    [InlineData("\"maybe\"", DatabaseTlsPreference.TlsThenPlain)]
    [InlineData("1", DatabaseTlsPreference.TlsThenPlain)]
    public void Parse_ReadsTheSslKeyAsTheTemplatesDo(string sslJson, DatabaseTlsPreference expected)
    {
        var info = DatabaseConnectionInfo.Parse($$"""{"engine":"postgres","host":"h","username":"u","password":"p","ssl":{{sslJson}}}""");
        Assert.Equal(expected, info.Tls);
    }

    [Fact]
    public void Parse_TakesTheHostOutOfAMongoConnectionUrl()
    {
        var info = DatabaseConnectionInfo.Parse("""{"engine":"mongo","host":"mongodb://docdb.example:27017/?tls=true","username":"u","password":"p"}""");
        Assert.Equal("docdb.example", info.Host);
    }

    [Fact]
    public void A_managed_secret_takes_engine_host_port_and_database_from_its_owner()
    {
        // What RDS keeps in a secret it manages: a username and a password, nothing else.
        var owner = new RotationTroubleshooter.Records.OwnerEndpoint("postgres", "orders.c9akciq32.us-east-1.rds.amazonaws.com", 5433, "orders");

        var info = DatabaseConnectionInfo.Parse($$"""{"username":"app","password":"{{Canary}}"}""", owner);

        Assert.Equal((DatabaseEngine.PostgreSql, "orders.c9akciq32.us-east-1.rds.amazonaws.com", 5433, "orders", "app"),
            (info.Engine, info.Host, info.Port, info.DatabaseName, info.UserName));
        // The value's own keys still win.
        Assert.Equal("other.example", DatabaseConnectionInfo.Parse($$"""{"host":"other.example","username":"app","password":"p"}""", owner).Host);
    }

    [Theory]
    [InlineData("""{"engine":"postgres","host":"h","username":"u"}""", "password key is missing from secret JSON")]
    [InlineData("""{"host":"h","username":"u","password":"p"}""", "engine key is missing from secret JSON")]
    [InlineData("""{"engine":"oracle","host":"h","username":"u","password":"p"}""", "dbname key is missing")]
    [InlineData("""{"engine":"cassandra","host":"h","username":"u","password":"p"}""", "'cassandra' is not one a rotation template accepts")]
    [InlineData("""{"engine":"postgres","host":"h","username":"u","password":"p","port":70000}""", "'port' key is not a port number")]
    [InlineData("""["postgres"]""", "not an object")]
    public void Parse_BadSecrets_NameTheProblem(string json, string expectedMessage)
    {
        var ex = Assert.Throws<DatabaseSecretFormatException>(() => DatabaseConnectionInfo.Parse(json));
        Assert.Contains(expectedMessage, ex.Message);
    }

    [Fact]
    public void Parse_MalformedJson_DoesNotQuoteThePassword()
    {
        var ex = Assert.Throws<DatabaseSecretFormatException>(() =>
            DatabaseConnectionInfo.Parse($$"""{"engine":"postgres","host":"h","username":"u","password":"{{Canary}}" oops}"""));
        Assert.DoesNotContain(Canary, ex.ToString());
    }

    [Fact]
    public void Parse_PasswordOfTheWrongType_SaysSoWithoutTheValue()
    {
        var ex = Assert.Throws<DatabaseSecretFormatException>(() =>
            DatabaseConnectionInfo.Parse("""{"engine":"postgres","host":"h","username":"u","password":918273645}"""));
        Assert.Contains("'password' key must be a JSON string", ex.Message);
        Assert.DoesNotContain("918273645", ex.Message);
    }

    [Fact]
    public void ToString_AndPublicProperties_NeverShowThePassword()
    {
        var info = DatabaseConnectionInfo.Parse($$"""{"engine":"postgres","host":"h","username":"u","password":"{{Canary}}"}""");

        Assert.DoesNotContain(Canary, info.ToString());
        foreach (var property in typeof(DatabaseConnectionInfo).GetProperties())
        {
            Assert.DoesNotContain(Canary, property.GetValue(info)?.ToString() ?? string.Empty);
        }
    }

    [Theory]
    [InlineData("28000", "role \"ghost\" does not exist", DatabaseLoginFailureKind.UserMissing)]
    [InlineData("28P01", "password authentication failed for user \"app\"", DatabaseLoginFailureKind.PasswordRejected)]
    [InlineData("3D000", "database \"nope\" does not exist", DatabaseLoginFailureKind.UnknownDatabase)]
    [InlineData("28000", "pg_hba.conf rejects connection for host \"10.0.0.5\"", DatabaseLoginFailureKind.Other)]
    public void PostgresServerErrors_AreClassifiedBySqlState(string sqlState, string text, DatabaseLoginFailureKind expected)
    {
        // "role does not exist" reaches a client only where pg_hba.conf lets the role in without a password (trust, cert).
        var error = new Npgsql.PostgresException(text, "FATAL", "FATAL", sqlState);

        var attempt = PostgresLogin.Classify(error, overTls: true, Canary);

        Assert.Equal(expected, attempt.FailureKind);
        Assert.Contains(sqlState, attempt.Detail);
    }

    [Fact]
    public void ProbeOptions_RejectAFileWithoutCertificates()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not a certificate");
            var ex = Assert.Throws<ArgumentException>(() => new DatabaseLoginProbe(new DatabaseProbeOptions { TrustedCaCertificatePath = path }));
            Assert.Contains("holds no PEM certificates", ex.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void DriverErrorsQuotingThePassword_AreScrubbed()
    {
        var npgsql = new Npgsql.NpgsqlException($"bad connection string near Password={Canary};", new IOException($"inner {Canary}"));
        var mysql = new InvalidOperationException($"outer {Canary}", new TimeoutException(Canary));

        var pgAttempt = PostgresLogin.Classify(npgsql, overTls: true, Canary);
        var myAttempt = MySqlLogin.Classify(mysql, overTls: false, Canary);

        Assert.DoesNotContain(Canary, pgAttempt.Detail);
        Assert.Contains(RotationTroubleshooter.Text.SecretMask.Mask, pgAttempt.Detail);
        Assert.DoesNotContain(Canary, myAttempt.Detail);
        Assert.Equal(AttemptOutcome.Timeout, myAttempt.Outcome);
    }
}
