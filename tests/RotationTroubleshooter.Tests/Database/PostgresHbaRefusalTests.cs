using RotationTroubleshooter.Database;

namespace RotationTroubleshooter.Tests.Database;

/// <summary>The four ways PostgreSQL words a plain connection its pg_hba.conf refuses, and what is not one.</summary>
public sealed class PostgresHbaRefusalTests
{
    [Theory]
    // Current PostgreSQL (15 here): no matching line, and a matching "hostnossl ... reject" line.
    [InlineData("no pg_hba.conf entry for host \"10.0.1.5\", user \"app\", database \"postgres\", no encryption")]
    [InlineData("pg_hba.conf rejects connection for host \"127.0.0.1\", user \"app\", database \"postgres\", no encryption")]
    // Older PostgreSQL, and Redshift with require_ssl.
    [InlineData("no pg_hba.conf entry for host \"::ffff:10.0.1.5\", user \"app\", database \"dev\", SSL off")]
    [InlineData("pg_hba.conf rejects connection for host \"10.0.1.5\", user \"app\", database \"postgres\", SSL off")]
    public void A_refusal_of_a_plain_connection_is_recognised(string message) =>
        Assert.True(PostgresHbaRefusal.RefusesPlain("28000", message));

    [Theory]
    [InlineData("28000", "pg_hba.conf rejects connection for host \"10.0.1.5\", user \"app\", database \"postgres\", SSL encryption")]
    [InlineData("28000", "no pg_hba.conf entry for host \"10.0.1.5\", user \"app\", database \"postgres\", SSL on")]
    [InlineData("28P01", "password authentication failed for user \"app\"")]
    [InlineData("08006", "no pg_hba.conf entry for host \"10.0.1.5\", user \"app\", database \"postgres\", no encryption")]
    public void A_refusal_over_TLS_or_of_another_kind_is_not(string sqlState, string message) =>
        Assert.False(PostgresHbaRefusal.RefusesPlain(sqlState, message));
}
