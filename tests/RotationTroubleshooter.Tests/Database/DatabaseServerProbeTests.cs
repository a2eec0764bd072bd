using RotationTroubleshooter.Database;

namespace RotationTroubleshooter.Tests.Database;

/// <summary>What the real test servers say before any credential: no password is needed, or sent, for any of this.</summary>
[Collection(DatabaseServersCollection.Name)]
public sealed class DatabaseServerProbeTests(DatabaseServersFixture servers)
{
    [Fact]
    public async Task A_PostgreSQL_that_takes_this_user_only_over_TLS_says_so_before_any_password()
    {
        var pg = servers.PostgresScram;
        var facts = await DatabaseServerProbe.ProbeAsync(DatabaseEngine.PostgreSql, pg.Host, pg.Port, pg.AppUser, pg.Database, servers.Options(), CancellationToken.None);

        Assert.Equal(TcpAnswer.Open, facts.Tcp);
        Assert.True(facts.PlainRefusedForUser);
        Assert.True(facts.TlsOffered);
        Assert.True(facts.TlsCertificateVerified);
        Assert.Equal("scram-sha-256", facts.AuthenticationMethod);
        Assert.True(facts.SeesFunctionsNetwork);
    }

    [Fact]
    public async Task A_PostgreSQL_whose_explicit_hostnossl_reject_line_refuses_this_user_says_so_before_any_password()
    {
        // PostgreSQL 15 words a matching reject line 'pg_hba.conf rejects connection for host "127.0.0.1", user "...",
        // database "...", no encryption', not 'no pg_hba.conf entry ...'.
        var pg = servers.PostgresScram;
        var user = pg.Get("plainRejectedUser");
        var facts = await DatabaseServerProbe.ProbeAsync(DatabaseEngine.PostgreSql, pg.Host, pg.Port, user, "postgres", servers.Options(), CancellationToken.None);

        Assert.True(facts.PlainRefusedForUser);
        Assert.Contains($"pg_hba.conf rejects connection for host \"127.0.0.1\", user \"{user}\", database \"postgres\", no encryption", facts.PlainDetail);
        Assert.True(facts.TlsOffered);
        Assert.Equal("scram-sha-256", facts.AuthenticationMethod);
    }

    [Fact]
    public async Task A_certificate_from_an_unknown_CA_does_not_verify()
    {
        var pg = servers.PostgresScram;
        var facts = await DatabaseServerProbe.ProbeAsync(DatabaseEngine.PostgreSql, pg.Host, pg.Port, pg.AppUser, pg.Database,
            new DatabaseProbeOptions { Timeout = TimeSpan.FromSeconds(5) }, CancellationToken.None);

        Assert.True(facts.TlsOffered);
        Assert.False(facts.TlsCertificateVerified);
    }

    [Fact]
    public async Task A_PostgreSQL_without_TLS_asks_for_md5_in_plain()
    {
        var pg = servers.PostgresMd5;
        var facts = await DatabaseServerProbe.ProbeAsync(DatabaseEngine.PostgreSql, pg.Host, pg.Port, pg.AppUser, pg.Database, servers.Options(), CancellationToken.None);

        Assert.False(facts.PlainRefusedForUser);
        Assert.False(facts.TlsOffered);
        Assert.Equal("md5", facts.AuthenticationMethod);
    }

    [Fact]
    public async Task MariaDB_says_in_its_greeting_whether_it_offers_TLS_and_its_default_authentication()
    {
        var db = servers.MariaDb;
        var facts = await DatabaseServerProbe.ProbeAsync(DatabaseEngine.MariaDb, db.Host, db.Port, db.AppUser, db.Database, servers.Options(), CancellationToken.None);

        Assert.Equal(TcpAnswer.Open, facts.Tcp);
        Assert.True(facts.TlsOffered);
        Assert.Equal("mysql_native_password", facts.AuthenticationMethod);
        Assert.Null(facts.PlainRefusedForUser);
    }

    [Fact]
    public async Task A_closed_port_refuses_and_a_port_that_drops_SYNs_does_not_answer()
    {
        var ports = servers.State.GetProperty("unansweredPorts");
        var host = ports.GetProperty("host").GetString()!;
        var closed = await DatabaseServerProbe.ProbeAsync(DatabaseEngine.PostgreSql, host, ports.GetProperty("closedPort").GetInt32(), "app", "postgres",
            servers.Options(), CancellationToken.None);
        var dropped = await DatabaseServerProbe.ProbeAsync(DatabaseEngine.PostgreSql, host, ports.GetProperty("droppedSynPort").GetInt32(), "app", "postgres",
            servers.Options(timeoutSeconds: 1), CancellationToken.None);

        Assert.Equal(TcpAnswer.Refused, closed.Tcp);
        Assert.Equal(TcpAnswer.NoAnswer, dropped.Tcp);
        Assert.Null(closed.TlsOffered);
    }

    [Fact]
    public async Task A_private_address_outside_this_machines_networks_is_not_taken_for_the_functions_view()
    {
        // 10.255.255.1 is private and (here) in no network of ours; the short timeout keeps the test quick. What its port
        // does depends on this machine's network (some sandboxes answer every connection), so only the vantage is asserted.
        var facts = await DatabaseServerProbe.ProbeAsync(DatabaseEngine.PostgreSql, "10.255.255.1", 5432, "app", "postgres",
            new DatabaseProbeOptions { Timeout = TimeSpan.FromMilliseconds(300) }, CancellationToken.None);

        Assert.False(facts.SeesFunctionsNetwork);
        Assert.Contains("not in 10.255.255.1's private network", facts.Vantage);
    }

    [Theory]
    [InlineData("0a352e352e352d31302e31312e31302d4d6172696144420008000000" + "4142434445464748" + "00" + "ffff" + "2d" + "0200" + "ff81" + "15" + "00000000000000000000" + "494a4b4c4d4e4f5051525354" + "00" + "6d7973716c5f6e61746976655f70617373776f726400", true, "mysql_native_password")]
    [InlineData("0a382e302e3300" + "01000000" + "4142434445464748" + "00" + "ffff" + "ff" + "0200" + "ff8f" + "15" + "00000000000000000000" + "494a4b4c4d4e4f5051525354" + "00" + "63616368696e675f736861325f70617373776f726400", true, "caching_sha2_password")]
    [InlineData("0a352e3700" + "01000000" + "4142434445464748" + "00" + "ffff" + "ff", true, null)]
    public void The_MySQL_greeting_is_read_for_TLS_and_the_default_plugin(string hex, bool tls, string? plugin) =>
        Assert.Equal((tls, plugin), DatabaseServerProbe.ParseGreeting(Convert.FromHexString(hex)));

    [Theory]
    [InlineData("ff15040a23")]
    [InlineData("09")]
    [InlineData("0a3500")]
    public void Anything_else_is_no_greeting(string hex) => Assert.Null(DatabaseServerProbe.ParseGreeting(Convert.FromHexString(hex)));
}
