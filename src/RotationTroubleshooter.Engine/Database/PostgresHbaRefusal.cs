using System.Text.RegularExpressions;

namespace RotationTroubleshooter.Database;

/// <summary>
/// PostgreSQL's words for a connection its pg_hba.conf refuses (docs/reference/driver-messages.md): no
/// line matches ("no pg_hba.conf entry for host ...") or an explicit <c>reject</c> line matches ("pg_hba.conf rejects
/// connection for host ..."), both SQLSTATE 28000 and ending with the connection's encryption: "no encryption" in current
/// releases (PostgreSQL 15 here), "SSL off" in older ones and in Redshift.
/// </summary>
internal static partial class PostgresHbaRefusal
{
    private const string InvalidAuthorizationSpecification = "28000";

    /// <summary>Either wording, refusing a connection made without encryption; a log line may carry libpq's "FATAL:" prefix.</summary>
    [GeneratedRegex("""(?:no pg_hba\.conf entry for|pg_hba\.conf rejects connection for) host "[^"]*", user "[^"]*", database "[^"]*", (?:no encryption|SSL off)""",
        RegexOptions.CultureInvariant)]
    internal static partial Regex PlainRefused();

    /// <summary>The server refused this plain connection by its pg_hba.conf, before asking for any password.</summary>
    internal static bool RefusesPlain(string? sqlState, string? message) =>
        sqlState == InvalidAuthorizationSpecification && message is not null && PlainRefused().IsMatch(message);
}
