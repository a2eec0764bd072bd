using System.Security.Cryptography;
using System.Text;
using RotationTroubleshooter.Database;
using RotationTroubleshooter.Tests.Database;

namespace RotationTroubleshooter.Tests.Safety;

/// <summary>
/// The login test against servers that try to get the password: asking for it in clear text or as md5 over plain TCP,
/// behind a certificate that does not verify, or switching a MySQL client to mysql_clear_password. What each server
/// received is checked byte for byte: neither the password nor any hash of it may arrive, with or without
/// -AllowPlaintextLogin (which may answer scram-sha-256 only).
/// </summary>
[Collection(HostilePeersCollection.Name)]
public sealed class HostilePeerTests(HostilePeersFixture peers)
{
    private const string User = "app";
    /// <summary>The salt pg-*-md5 sends and the nonce the MySQL peers send: what a hash would be computed with.</summary>
    private static readonly byte[] Md5Salt = [1, 2, 3, 4];
    private static readonly byte[] MySqlNonce = "hostile-nonce-abcdef"u8.ToArray();

    public static TheoryData<string, string?, bool> Attacks()
    {
        var data = new TheoryData<string, string?, bool>();
        foreach (var peer in new[] { "pg-plain-cleartext", "pg-plain-md5", "pg-untrusted-cleartext", "pg-untrusted-md5", "mysql-plain-clear", "mysql-untrusted-clear" })
        foreach (var ssl in new[] { null, "false", "true" })
        foreach (var allowPlaintext in new[] { false, true })
            data.Add(peer, ssl, allowPlaintext);
        return data;
    }

    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task NoPasswordAndNoHashOfItReachesTheServer(string peer, string? ssl, bool allowPlaintext)
    {
        var password = "Hostile" + Guid.NewGuid().ToString("N");
        var before = peers.Connections(peer).Count;

        var result = await LoginAsync(peer, password, ssl, new DatabaseProbeOptions { Timeout = TimeSpan.FromSeconds(3), AllowPlaintextLogin = allowPlaintext });

        var connections = peers.Connections(peer).Skip(before).ToList();
        Assert.NotEmpty(connections);
        AssertNothingDerivedFrom(password, connections);
        Assert.DoesNotContain(connections.SelectMany(c => c.Events), e => e is "password-message" or "mysql-handshake-response" or "mysql-auth-switch-response");
        Assert.NotEqual(true, result.LoginSucceeded);
        Assert.Contains(result.FailureKind, new DatabaseLoginFailureKind?[] { DatabaseLoginFailureKind.NoVerifiedTls, DatabaseLoginFailureKind.TlsHandshakeFailed });
        if (result.FailureKind == DatabaseLoginFailureKind.NoVerifiedTls)
        {
            Assert.Null(result.LoginSucceeded);
            Assert.Contains("The rotation function", result.Message);
            Assert.Contains("To make this test possible", result.Message);
        }
        else
        {
            // ssl true and no TLS offered: the function fails the same way, and that is known without a password.
            Assert.Equal("true", ssl);
        }
    }

    [Fact]
    public async Task AllowPlaintextLogin_AnswersScramWithoutTls_AndOnlyThen()
    {
        var password = "Hostile" + Guid.NewGuid().ToString("N");
        var before = peers.Connections("pg-plain-scram").Count;
        var refused = await LoginAsync("pg-plain-scram", password, null, new DatabaseProbeOptions());
        var afterDefault = peers.Connections("pg-plain-scram").Count;
        var answered = await LoginAsync("pg-plain-scram", password, null, new DatabaseProbeOptions { AllowPlaintextLogin = true });

        var byDefault = peers.Connections("pg-plain-scram").Skip(before).Take(afterDefault - before).ToList();
        var withSwitch = peers.Connections("pg-plain-scram").Skip(afterDefault).ToList();
        Assert.Equal(DatabaseLoginFailureKind.NoVerifiedTls, refused.FailureKind);
        Assert.Equal("scram-sha-256", refused.AuthenticationMethod);
        Assert.Contains("-AllowPlaintextLogin", refused.Message);
        Assert.DoesNotContain(byDefault.SelectMany(c => c.Events), e => e.StartsWith("sasl", StringComparison.Ordinal));
        Assert.Contains(withSwitch.SelectMany(c => c.Events), e => e == "sasl-response");
        Assert.Equal(DatabaseLoginFailureKind.PasswordRejected, answered.FailureKind);
        Assert.False(answered.LoginSucceeded);
        AssertNothingDerivedFrom(password, byDefault.Concat(withSwitch));
    }

    [Fact]
    public async Task PasswordAudit_KeepsTheSameRule()
    {
        var password = "Hostile" + Guid.NewGuid().ToString("N");
        foreach (var peer in new[] { "pg-plain-cleartext", "pg-untrusted-md5" })
        {
            var before = peers.Connections(peer).Count;
            var info = DatabaseConnectionInfo.Parse(DatabaseLoginProbeTests.Secret("postgres", "127.0.0.1", peers.Ports[peer], User, password, "orders"));

            var error = await Assert.ThrowsAsync<DatabaseAuditException>(() =>
                PostgresPasswordAudit.FindNonScramRolesAsync(info, new DatabaseProbeOptions { AllowPlaintextLogin = true }));

            Assert.Equal(DatabaseAuditFailure.LoginFailed, error.Failure);
            AssertNothingDerivedFrom(password, peers.Connections(peer).Skip(before));
        }
    }

    [Fact]
    public async Task DatabaseErrorText_ReachesTheResultAsData()
    {
        var result = await LoginAsync("pg-hostile-text", "Hostile" + Guid.NewGuid().ToString("N"), "true",
            new DatabaseProbeOptions { TrustedCaCertificatePath = peers.CaCertificatePath });

        Assert.Contains("is locked", result.Message);
        Assert.Contains("\u241b]0;owned", result.Message);
        Assert.DoesNotContain(result.Message, c => c is '\u001b' or '\u0007' or '\u009b');
    }

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("fd00:ec2::254")]
    [InlineData("169.254.10.20")]
    [InlineData("fe80::1")]
    public async Task LinkLocalAndMetadataHosts_GetNoConnection(string host)
    {
        var info = DatabaseConnectionInfo.Parse(DatabaseLoginProbeTests.Secret("postgres", host, 5432, User, "whatever-1"));

        var result = await new DatabaseLoginProbe(new DatabaseProbeOptions()).TestLoginAsync(info, "AWSCURRENT");

        Assert.Equal(DatabaseLoginFailureKind.LinkLocalAddress, result.FailureKind);
        Assert.False(result.TcpReachable);
        Assert.Null(result.LoginSucceeded);
        Assert.Contains("this test does not connect to it", result.Message);
    }

    private Task<DatabaseLoginResult> LoginAsync(string peer, string password, string? ssl, DatabaseProbeOptions options)
    {
        var engine = peer.StartsWith("mysql", StringComparison.Ordinal) ? "mysql" : "postgres";
        var secret = DatabaseLoginProbeTests.Secret(engine, "127.0.0.1", peers.Ports[peer], User, password, "orders", ssl);
        return new DatabaseLoginProbe(options).TestLoginAsync(DatabaseConnectionInfo.Parse(secret), "AWSCURRENT");
    }

    /// <summary>The password, and every answer a server could have asked for with it, are absent from what the peers received.</summary>
    private static void AssertNothingDerivedFrom(string password, IEnumerable<PeerConnection> connections)
    {
        var passwordBytes = Encoding.UTF8.GetBytes(password);
        var md5Inner = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(password + User)));
        var md5Answer = "md5" + Convert.ToHexStringLower(MD5.HashData([.. Encoding.ASCII.GetBytes(md5Inner), .. Md5Salt]));
        var sha1 = SHA1.HashData(passwordBytes);
        var scramble = SHA1.HashData([.. MySqlNonce, .. SHA1.HashData(sha1)]).Zip(sha1, (a, b) => (byte)(a ^ b)).ToArray();
        byte[][] forbidden = [passwordBytes, Encoding.ASCII.GetBytes(md5Inner), Encoding.ASCII.GetBytes(md5Answer), sha1, scramble];
        foreach (var connection in connections)
        foreach (var secret in forbidden)
            Assert.True(connection.Received.AsSpan().IndexOf(secret) < 0,
                $"a peer received the password or a hash of it; events: {string.Join(", ", connection.Events)}");
    }
}
