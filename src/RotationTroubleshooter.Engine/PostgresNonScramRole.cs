using RotationTroubleshooter.Text;
namespace RotationTroubleshooter;

/// <summary>A PostgreSQL login role whose stored password is not a SCRAM verifier, so scram-sha-256 logins fail for it. Text cleaned as given (OutputText).</summary>
public sealed class PostgresNonScramRole
{
    internal PostgresNonScramRole(string endpoint, string auditedAs, string roleName, string passwordKind, string source, string? secretArn = null)
    {
        Endpoint = OutputText.Of(endpoint);
        AuditedAs = OutputText.Of(auditedAs);
        RoleName = OutputText.Of(roleName);
        PasswordKind = OutputText.Of(passwordKind);
        Source = OutputText.Of(source);
        SecretArn = OutputText.OfOrNull(secretArn);
    }

    /// <summary>The secret whose database was audited, when the audit started from a secret.</summary>
    public string? SecretArn { get; }
    /// <summary>host:port of the audited server.</summary>
    public string Endpoint { get; }
    /// <summary>The user the audit logged in as (e.g. the master user of a multi-user secret).</summary>
    public string AuditedAs { get; }
    public string RoleName { get; }
    /// <summary><c>md5</c>, or <c>other</c> for a plain-text or unrecognised stored value (the value itself is never read out).</summary>
    public string PasswordKind { get; }
    /// <summary>Where the answer came from: <c>pg_authid</c> or <c>rds_tools.role_password_encryption_type()</c>.</summary>
    public string Source { get; }

    public override string ToString() => $"{RoleName} ({PasswordKind})";

    internal PostgresNonScramRole ForSecret(string secretArn) => new(Endpoint, AuditedAs, RoleName, PasswordKind, Source, secretArn);
}
