namespace RotationTroubleshooter.Database;

/// <summary>
/// What the database (or the proxy in front of it) refuses by its own rules, which only its words in the function's log
/// tell (docs/reference/driver-messages.md): a password rule, a missing privilege, a read-only host, a locked account.
/// </summary>
public static class DatabaseRuleFindings
{
    public static readonly FindingDefinition PasswordNeedsReplaceClause = new(nameof(PasswordNeedsReplaceClause), FindingSeverity.Error,
        "Oracle's password profile for this user has a verify function, so a user changing its own password must name the old one (\"ORA-28221: REPLACE not specified\"), which the template's ALTER USER does not.",
        "Either rotate this user with the multi-user template, whose master user changes the password without REPLACE, or give the user a profile without PASSWORD_VERIFY_FUNCTION, or change the function to run ALTER USER ... IDENTIFIED BY <new> REPLACE <current>.",
        AwsDocs.RotationTemplates);

    public static readonly FindingDefinition PasswordPolicyRejectsNewPassword = new(nameof(PasswordPolicyRejectsNewPassword), FindingSeverity.Error,
        "The database's password policy refused the password the function generated (too short, too simple, reused: ORA-28003, ORA-28007, MySQL 1819, SQL Server 15118).",
        "Make the generated password meet the policy with the function's PASSWORD_LENGTH and EXCLUDE_* environment variables (longer, every character class), or relax the policy's reuse and complexity rules for this user.",
        AwsDocs.RotationTemplates);

    public static readonly FindingDefinition RotationUserLacksPrivilege = new(nameof(RotationUserLacksPrivilege), FindingSeverity.Error,
        "The user the function logs in as may not do what the rotation needs (change a password, create the _clone user, grant it the user's privileges): the database says permission denied.",
        "Give the user that makes the change the privilege the database names: for single-user rotation, the right to change its own password; for multi-user rotation, the master user's CREATE USER / CREATEROLE and, for the grants it copies to the _clone user, WITH GRANT OPTION (MySQL) or ADMIN OPTION (PostgreSQL 16 and later).",
        AwsDocs.RotationTemplates);

    public static readonly FindingDefinition DatabaseIsReadOnly = new(nameof(DatabaseIsReadOnly), FindingSeverity.Error,
        "The secret's host is a read-only endpoint (a reader, a replica, a standby or a MongoDB secondary): it refuses the password change.",
        "Set the secret's host to the writer endpoint (the cluster endpoint or the primary instance); keep the reader's name under another key if applications need it.",
        AwsDocs.RotationTemplates);

    public static readonly FindingDefinition DatabaseAccountLockedOrExpired = new(nameof(DatabaseAccountLockedOrExpired), FindingSeverity.Error,
        "The database account is locked, or its password has expired (ORA-28000, ORA-28001, MySQL 3118 and 1862, SQL Server 18486 to 18488, Db2 reason 1).",
        "Unlock the account or reset its expired password on the database, put that password in the secret's AWSCURRENT version, then rotate again; give the user a profile or policy whose expiry is longer than the rotation schedule.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition SecretDatabaseUnknown = new(nameof(SecretDatabaseUnknown), FindingSeverity.Error,
        "The database the secret names (dbname, or Oracle's service name or SID) does not exist on the server.",
        "Set the secret's dbname to a database that exists (for Oracle, the service name the listener knows), or remove the key so that the template's default is used.",
        AwsDocs.RotationTemplates);

    public static readonly FindingDefinition DatabaseHostDoesNotResolve = new(nameof(DatabaseHostDoesNotResolve), FindingSeverity.Error,
        "The function could not resolve the secret's host name (\"could not translate host name\", \"Name or service not known\").",
        "Correct the secret's host; if the name is private, give the function's VPC DNS resolution (enableDnsSupport, enableDnsHostnames) and the Route 53 resolver rules that resolve it.",
        AwsDocs.RotationNetwork);

    public static readonly FindingDefinition DatabaseCertificateNotTrusted = new(nameof(DatabaseCertificateNotTrusted), FindingSeverity.Error,
        "The database's TLS certificate does not chain to a CA the function trusts (\"certificate verify failed: unable to get local issuer certificate\").",
        "Give the function the CA that issued the database's certificate (for RDS and DocumentDB, AWS's regional bundle from truststore.pki.rds.amazonaws.com) where its driver looks, or rotate the database to a certificate authority the runtime's trust store has.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition ProxyLacksUserSecret = new(nameof(ProxyLacksUserSecret), FindingSeverity.Error,
        "The secret's host is an RDS Proxy that has no Secrets Manager secret for this user (\"This RDS proxy has no credentials for the role\").",
        "Rotate against the database's own endpoint (the proxy only relays logins it has a secret for), or add this user's secret to the proxy's authentication.",
        AwsDocs.RotationTroubleshooting);

    public static IReadOnlyList<FindingDefinition> All { get; } =
    [
        PasswordNeedsReplaceClause, PasswordPolicyRejectsNewPassword, RotationUserLacksPrivilege, DatabaseIsReadOnly, DatabaseAccountLockedOrExpired,
        SecretDatabaseUnknown, DatabaseHostDoesNotResolve, DatabaseCertificateNotTrusted, ProxyLacksUserSecret,
    ];
}
