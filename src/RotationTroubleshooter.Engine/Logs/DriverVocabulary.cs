using System.Text.RegularExpressions;
using RotationTroubleshooter.Bundles;
using RotationTroubleshooter.Database;
using RotationTroubleshooter.Diagnosis.Checks;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Logs;

/// <summary>
/// One message a database server, a driver, RDS Proxy or Lambda's Python runtime writes into a rotation function's log
/// (the templates pass it through in an unhandled exception, a traceback or a warning), what it means, and the causes it
/// points to: one when the words decide, several when other evidence (the bundle, the secret, the database's records)
/// must choose. docs/reference/driver-messages.md lists them with their sources.
/// </summary>
/// <param name="Engines">The engines whose templates can log it; empty for any (the runtime's and Python's own words).</param>
/// <param name="Example">The words as their writer writes them, for the docs and the tests.</param>
/// <param name="Source">Where the words are written: a driver's or server's source file, or the documentation that lists them.</param>
internal sealed record DriverMessage(string Id, string Writer, IReadOnlyList<DatabaseEngine> Engines, Regex Pattern, string Meaning,
    IReadOnlyList<FindingDefinition> Causes, string Example, string Source)
{
    public bool Applies(DatabaseEngine? engine) => engine is null || Engines.Count == 0 || Engines.Contains(engine.Value);
}

/// <summary>A vocabulary message found in a log line.</summary>
/// <param name="Text">The line it was found in (cleaned, shortened), for the evidence.</param>
internal sealed record DriverMessageMatch(DriverMessage Message, string Text);

internal static class DriverVocabulary
{
    private const int MaxLineChars = 4096;
    private const int MaxEvidenceChars = 300;
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(250);

    private static readonly DatabaseEngine[] Postgres = [DatabaseEngine.PostgreSql, DatabaseEngine.Redshift];
    private static readonly DatabaseEngine[] MySql = [DatabaseEngine.MySql, DatabaseEngine.MariaDb];
    private static readonly DatabaseEngine[] ProxyEngines = [DatabaseEngine.PostgreSql, DatabaseEngine.MySql, DatabaseEngine.MariaDb];
    private static readonly DatabaseEngine[] SqlServer = [DatabaseEngine.SqlServer];
    private static readonly DatabaseEngine[] Oracle = [DatabaseEngine.Oracle];
    private static readonly DatabaseEngine[] Mongo = [DatabaseEngine.MongoDb];
    private static readonly DatabaseEngine[] Db2 = [DatabaseEngine.Db2];
    private static readonly DatabaseEngine[] Any = [];

    private const string PostgresAuth = "postgres/postgres src/backend/libpq/auth.c (ClientAuthentication, auth_failed)";
    private const string Libpq = "postgres/postgres src/interfaces/libpq/fe-connect.c";
    private const string RdsProxyDocs = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.troubleshooting.html";
    private const string MySqlErrors = "https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html";
    private const string SqlServerErrors = "https://learn.microsoft.com/en-us/sql/relational-databases/errors-events/database-engine-events-and-errors";
    private const string OracleErrors = "https://docs.oracle.com/en/error-help/db/";
    private const string OracledbErrors = "oracle/python-oracledb src/oracledb/errors.py";
    private const string Db2Messages = "https://www.ibm.com/docs/en/db2/11.5?topic=messages-sql30000-sql39999";

    private static FindingDefinition[] TlsRequired => [DatabaseLoginFindings.DatabaseRequiresTlsSecretDisablesIt, DatabaseLoginFindings.DatabaseRequiresTlsButFunctionPredatesTls];
    private static FindingDefinition[] ImportFailed => [BundleFitFindings.NativeModuleBuiltForOtherPython, BundleFitFindings.DriverNotInBundle];

    private static DriverMessage M(string id, string writer, DatabaseEngine[] engines, string pattern, string meaning, string example, string source,
        params FindingDefinition[] causes) =>
        new(id, writer, engines, new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout), meaning, causes, example, source);

    /// <summary>Every message, most specific first: a line is matched to the first entry per cause family that fits it.</summary>
    public static IReadOnlyList<DriverMessage> All { get; } =
    [
        // PostgreSQL (and Redshift, which speaks its protocol), the server's words
        new("postgres.hba-refuses-plain", "PostgreSQL server", Postgres, PostgresHbaRefusal.PlainRefused(),
            "pg_hba.conf allows this user only over TLS (no line matches a plain connection, or a hostnossl line rejects it); Redshift says the same with require_ssl.",
            TlsRequired, "pg_hba.conf rejects connection for host \"127.0.0.1\", user \"app\", database \"postgres\", no encryption", PostgresAuth),
        M("postgres.password-failed", "PostgreSQL server", Postgres, """password authentication failed for user "[^"]*""",
            "The password is not the user's (PostgreSQL says the same for a user that does not exist).",
            "FATAL:  password authentication failed for user \"app\"", PostgresAuth, DatabaseLoginFindings.CurrentCredentialsRejected),
        M("postgres.role-missing", "PostgreSQL server", Postgres, """role "[^"]*" does not exist""",
            "The secret's user does not exist on the server.", "FATAL:  role \"app\" does not exist", "postgres/postgres src/backend/utils/init/miscinit.c (InitializeSessionUserId)",
            DatabaseLoginFindings.CurrentCredentialsRejected),
        M("postgres.database-missing", "PostgreSQL server", Postgres, """database "[^"]*" does not exist""",
            "The secret's dbname is no database on the server.", "FATAL:  database \"orders\" does not exist", "postgres/postgres src/backend/utils/init/postinit.c (InitPostgres)",
            DatabaseRuleFindings.SecretDatabaseUnknown),
        M("postgres.read-only", "PostgreSQL server", Postgres, @"cannot execute (?:ALTER ROLE|CREATE ROLE|GRANT|ALTER USER|CREATE USER) in a read-only transaction",
            "The host is a read replica or a reader endpoint: it takes no password change.",
            "ERROR:  cannot execute ALTER ROLE in a read-only transaction", "postgres/postgres src/backend/tcop/utility.c (PreventCommandIfReadOnly)",
            DatabaseRuleFindings.DatabaseIsReadOnly),
        M("postgres.permission-denied", "PostgreSQL server", Postgres,
            @"permission denied to (?:alter|create|grant|drop) role|must be superuser to (?:alter|create)|must have admin option on role|Only roles with the CREATEROLE attribute and the ADMIN option",
            "The logged-in user may not change this role (PostgreSQL 16 also wants the ADMIN option on the role, which a master user that did not create the _clone role lacks).",
            "ERROR:  permission denied to alter role\nDETAIL:  Only roles with the CREATEROLE attribute and the ADMIN option on role \"app_clone\" may alter this role.",
            "postgres/postgres src/backend/commands/user.c (AlterRole, CreateRole)", DatabaseRuleFindings.RotationUserLacksPrivilege),
        M("postgres.passwordcheck", "PostgreSQL server (passwordcheck module)", Postgres, @"password is too short|password must contain both letters and nonletters|password must not contain user name",
            "The passwordcheck module refused the generated password.", "ERROR:  password is too short", "postgres/postgres contrib/passwordcheck/passwordcheck.c",
            DatabaseRuleFindings.PasswordPolicyRejectsNewPassword),

        // libpq, the client library PyGreSQL and psycopg2 carry
        M("libpq.scram-too-old", "libpq", Postgres, @"SCRAM authentication requires libpq version 10 or above",
            "The server asks for scram-sha-256 and the function's libpq is older than 10.",
            "SCRAM authentication requires libpq version 10 or above", "postgres/postgres REL9_6_STABLE src/interfaces/libpq/fe-auth.c (pg_fe_sendauth)",
            DatabaseLoginFindings.DatabaseRequiresScramButFunctionLibpqTooOld),
        M("libpq.server-without-tls", "libpq", Postgres, @"server does not support SSL, but SSL was required",
            "The function insists on TLS and the server offers none.", "server does not support SSL, but SSL was required", Libpq,
            DatabaseServerFindings.DatabaseTlsNotOffered),
        M("libpq.hostname-mismatch", "libpq", Postgres, """server (?:certificate for|common name) "[^"]*"(?: \(and \d+ other names?\))? does not match host name "[^"]*""",
            "The server's certificate does not name the secret's host.",
            "server certificate for \"db.example.internal\" does not match host name \"10.0.1.5\"", "postgres/postgres src/interfaces/libpq/fe-secure-common.c",
            RotationSymptoms.TlsHostnameMismatch),
        M("libpq.certificate-untrusted", "libpq", Postgres, @"certificate verify failed|root certificate file ""[^""]*"" does not exist",
            "The server's certificate does not chain to the CA file the template names (/etc/pki/tls/cert.pem).",
            "SSL error: certificate verify failed", "postgres/postgres src/interfaces/libpq/fe-secure-openssl.c", DatabaseRuleFindings.DatabaseCertificateNotTrusted),
        M("libpq.connection-refused", "libpq", Postgres, @"Connection refused",
            "Nothing listens on the secret's host and port.",
            "connection to server at \"10.0.1.5\", port 5432 failed: Connection refused", Libpq, DatabaseServerFindings.DatabasePortClosed),
        M("libpq.timeout", "libpq", Postgres, @"timeout expired",
            "The server did not answer within the template's 5 s connect timeout.", "timeout expired", Libpq, DatabaseServerFindings.DatabaseDoesNotAnswer),
        M("libpq.host-unknown", "libpq", Postgres, """could not translate host name "[^"]*" to address""",
            "The function cannot resolve the secret's host.", "could not translate host name \"db.example.internal\" to address: Name or service not known", Libpq,
            DatabaseRuleFindings.DatabaseHostDoesNotResolve),

        // RDS Proxy in front of PostgreSQL or MySQL
        M("rds-proxy.requires-tls", "RDS Proxy", ProxyEngines, @"This RDS Proxy requires TLS connections",
            "The secret's host is an RDS Proxy with Require Transport Layer Security on, and the function connected in plain.",
            "This RDS Proxy requires TLS connections.", RdsProxyDocs, TlsRequired),
        M("rds-proxy.no-credentials", "RDS Proxy", ProxyEngines, @"This RDS proxy has no credentials for the role",
            "The proxy has no secret for this user.", "This RDS proxy has no credentials for the role app. Check the credentials for this role and try again.", RdsProxyDocs,
            DatabaseRuleFindings.ProxyLacksUserSecret),
        M("rds-proxy.wrong-password", "RDS Proxy", ProxyEngines, @"The password that was provided for the role .* is wrong",
            "The password does not match the secret the proxy holds for this user.", "The password that was provided for the role app is wrong.", RdsProxyDocs,
            DatabaseLoginFindings.CurrentCredentialsRejected),
        M("rds-proxy.no-database-connection", "RDS Proxy", ProxyEngines, @"Timed-out waiting to acquire database connection",
            "The proxy could not get a connection to its database in time.", "Timed-out waiting to acquire database connection.", RdsProxyDocs,
            DatabaseServerFindings.DatabaseDoesNotAnswer),

        // MySQL and MariaDB, the server's error numbers as PyMySQL raises them: (number, "message")
        M("mysql.1045-access-denied", "MySQL/MariaDB server", MySql, @"\b1045\b.*Access denied for user|Access denied for user '[^']*'@'[^']*' \(using password",
            "The login was refused: a wrong password, a user that requires TLS (MariaDB answers it alike), or, raised by a GRANT after the login, a privilege the user lacks.",
            "(1045, \"Access denied for user 'app'@'10.0.1.5' (using password: YES)\")", MySqlErrors + "#error_er_access_denied_error",
            DatabaseLoginFindings.CurrentCredentialsRejected, DatabaseLoginFindings.DatabaseRequiresTlsSecretDisablesIt, DatabaseRuleFindings.RotationUserLacksPrivilege),
        M("mysql.3118-account-locked", "MySQL server", MySql, @"Access denied for user '[^']*'@'[^']*'\. Account is locked",
            "The account is locked.", "(3118, \"Access denied for user 'app'@'%'. Account is locked.\")", MySqlErrors + "#error_er_account_has_been_locked",
            DatabaseRuleFindings.DatabaseAccountLockedOrExpired),
        M("mysql.1862-password-expired", "MySQL server", MySql, @"Your password has expired|You must reset your password using ALTER USER",
            "The account's password has expired.", "(1862, 'Your password has expired. To log in you must change it using a client that supports expired passwords.')",
            MySqlErrors + "#error_er_must_change_password_login", DatabaseRuleFindings.DatabaseAccountLockedOrExpired),
        M("mysql.1044-database-access-denied", "MySQL/MariaDB server", MySql, @"Access denied for user '[^']*'@'[^']*' to database",
            "The user may not use that database.", "(1044, \"Access denied for user 'app'@'%' to database 'orders'\")", MySqlErrors + "#error_er_dbaccess_denied_error",
            DatabaseRuleFindings.RotationUserLacksPrivilege),
        M("mysql.1227-privilege-needed", "MySQL/MariaDB server", MySql, @"Access denied; you need \(at least one of\) the .+ privilege",
            "The user lacks a privilege the statement needs (CREATE USER for multi-user rotation).",
            "(1227, 'Access denied; you need (at least one of) the CREATE USER privilege(s) for this operation')", MySqlErrors + "#error_er_specific_access_denied_error",
            DatabaseRuleFindings.RotationUserLacksPrivilege),
        M("mysql.1410-grant-not-allowed", "MySQL server", MySql, @"You are not allowed to create a user with GRANT",
            "The master user cannot grant the _clone user privileges it holds without GRANT OPTION.", "(1410, 'You are not allowed to create a user with GRANT')",
            MySqlErrors + "#error_er_cant_create_user_with_grant", DatabaseRuleFindings.RotationUserLacksPrivilege),
        M("mysql.1819-password-policy", "MySQL server", MySql, @"Your password does not satisfy the current policy requirements",
            "validate_password refused the generated password.", "(1819, 'Your password does not satisfy the current policy requirements')",
            MySqlErrors + "#error_er_not_valid_password", DatabaseRuleFindings.PasswordPolicyRejectsNewPassword),
        M("mysql.1290-read-only", "MySQL/MariaDB server", MySql, @"server is running with the --(?:super-)?read-only option so it cannot execute this statement",
            "The host is a replica or an Aurora reader.", "(1290, 'The MySQL server is running with the --read-only option so it cannot execute this statement')",
            MySqlErrors + "#error_er_option_prevents_statement", DatabaseRuleFindings.DatabaseIsReadOnly),
        M("mysql.3159-secure-transport", "MySQL server", MySql, @"Connections using insecure transport are prohibited while --require_secure_transport=ON",
            "require_secure_transport is on and the function connected in plain.",
            "(3159, 'Connections using insecure transport are prohibited while --require_secure_transport=ON.')", MySqlErrors + "#error_er_secure_transport_required",
            TlsRequired),
        M("mysql.1049-unknown-database", "MySQL/MariaDB server", MySql, @"Unknown database '[^']*'",
            "The secret's dbname is no database on the server.", "(1049, \"Unknown database 'orders'\")", MySqlErrors + "#error_er_bad_db_error",
            DatabaseRuleFindings.SecretDatabaseUnknown),
        M("mysql.1130-host-not-allowed", "MySQL/MariaDB server", MySql, @"Host '[^']*' is not allowed to connect to this (?:MySQL|MariaDB) server",
            "No account of this user accepts the function's address.", "(1130, \"Host '10.0.1.5' is not allowed to connect to this MySQL server\")",
            MySqlErrors + "#error_er_host_not_privileged", DatabaseLoginFindings.CurrentCredentialsRejected),

        // PyMySQL's own words
        M("pymysql.cryptography-required", "PyMySQL", MySql, @"'cryptography' package is required for sha256_password or caching_sha2_password auth methods",
            "A caching_sha2_password or sha256_password user logged in without TLS, and PyMySQL has no usable 'cryptography' to encrypt the password.",
            "RuntimeError: 'cryptography' package is required for sha256_password or caching_sha2_password auth methods", "PyMySQL/PyMySQL pymysql/_auth.py (sha2_rsa_encrypt)",
            BundleFitFindings.PyMySqlWithoutCryptography),
        M("pymysql.keyword-arguments", "PyMySQL", MySql, @"takes 1 positional argument but \d+ positional arguments \(and \d+ keyword-only arguments?\) were given|__init__\(\) takes 1 positional argument but \d+ were given|connect\(\) takes 0 positional arguments but \d+ were given",
            "The function's code passes pymysql.connect positional arguments, which PyMySQL 1.0 and later refuse.",
            "TypeError: __init__() takes 1 positional argument but 2 positional arguments (and 5 keyword-only arguments) were given",
            "PyMySQL/PyMySQL CHANGELOG.md (v1.0.0: connect() uses keyword-only arguments)", BundleFitFindings.TemplateCodeDoesNotFitDriver),
        M("pymysql.2003-refused", "PyMySQL", MySql, @"Can't connect to MySQL server on .*(?:Connection refused|\[Errno 111\])",
            "Nothing listens on the secret's host and port.", "(2003, \"Can't connect to MySQL server on '10.0.1.5' ([Errno 111] Connection refused)\")",
            "PyMySQL/PyMySQL pymysql/connections.py (Connection.connect)", DatabaseServerFindings.DatabasePortClosed),
        M("pymysql.2003-timeout", "PyMySQL", MySql, @"Can't connect to MySQL server on .*timed out",
            "The server did not answer within the template's 5 s connect timeout.", "(2003, \"Can't connect to MySQL server on '10.0.1.5' (timed out)\")",
            "PyMySQL/PyMySQL pymysql/connections.py (Connection.connect)", DatabaseServerFindings.DatabaseDoesNotAnswer),
        M("pymysql.2003-host-unknown", "PyMySQL", MySql, @"Can't connect to MySQL server on .*(?:Name or service not known|Temporary failure in name resolution)",
            "The function cannot resolve the secret's host.", "(2003, \"Can't connect to MySQL server on 'db.example.internal' ([Errno -2] Name or service not known)\")",
            "PyMySQL/PyMySQL pymysql/connections.py (Connection.connect)", DatabaseRuleFindings.DatabaseHostDoesNotResolve),

        // SQL Server, FreeTDS and pymssql: pymssql raises (number, b"message DB-Lib error message 200xx ...")
        M("sqlserver.18486-locked", "SQL Server", SqlServer, @"because the account is currently locked out|password of the account has expired|password of the account must be changed",
            "The login is locked out, or its password has expired or must be changed.",
            "Login failed for user 'app' because the account is currently locked out. The system administrator can unlock it.", SqlServerErrors,
            DatabaseRuleFindings.DatabaseAccountLockedOrExpired),
        M("sqlserver.18456-login-failed", "SQL Server", SqlServer, @"\b18456\b|Login failed for user '[^']*'\.",
            "The password is not the login's, or the login does not exist.", "(18456, b\"Login failed for user 'app'.DB-Lib error message 20018, severity 14:\\nGeneral SQL Server error: Check messages from the SQL Server\\n\")",
            SqlServerErrors, DatabaseLoginFindings.CurrentCredentialsRejected),
        M("sqlserver.15118-password-policy", "SQL Server", SqlServer, @"Password validation failed\. The password does not meet",
            "The Windows password policy SQL Server enforces (CHECK_POLICY) refused the generated password.",
            "(15118, b'Password validation failed. The password does not meet the operating system policy requirements because it is not complex enough.')", SqlServerErrors,
            DatabaseRuleFindings.PasswordPolicyRejectsNewPassword),
        M("sqlserver.15151-cannot-alter-login", "SQL Server", SqlServer, @"Cannot alter the login '[^']*', because it does not exist or you do not have permission|User does not have permission to perform this action",
            "The logged-in user may not change this login (ALTER ANY LOGIN for multi-user rotation).",
            "(15151, b\"Cannot alter the login 'app_clone', because it does not exist or you do not have permission.\")", SqlServerErrors,
            DatabaseRuleFindings.RotationUserLacksPrivilege),
        M("sqlserver.4060-database", "SQL Server", SqlServer, @"Cannot open database ""[^""]*"" requested by the login",
            "The secret's dbname is no database the login can open.", "(4060, b'Cannot open database \"orders\" requested by the login. The login failed.')", SqlServerErrors,
            DatabaseRuleFindings.SecretDatabaseUnknown),
        M("freetds.20002-connection-failed", "FreeTDS", SqlServer, @"Adaptive Server connection failed",
            "FreeTDS could not finish connecting: with rds.force_ssl=1, a FreeTDS without TLS; else the network.",
            "(20002, b'DB-Lib error message 20002, severity 9:\\nAdaptive Server connection failed (db.example.internal)\\n')", "FreeTDS/freetds include/sybdb.h and src/dblib/dblib.c (SYBEFCON, 20002)",
            BundleFitFindings.FreeTdsWithoutTls, DatabaseLoginFindings.DatabaseRequiresTlsSecretDisablesIt, DatabaseServerFindings.DatabasePortClosed),
        M("freetds.20009-unavailable", "FreeTDS", SqlServer, @"Unable to connect: Adaptive Server is unavailable or does not exist",
            "Nothing answered on the secret's host and port.", "DB-Lib error message 20009, severity 9:\\nUnable to connect: Adaptive Server is unavailable or does not exist (db.example.internal)",
            "FreeTDS/freetds include/sybdb.h and src/dblib/dblib.c (SYBECONN, 20009)", DatabaseServerFindings.DatabasePortClosed, DatabaseServerFindings.DatabaseDoesNotAnswer),

        // Oracle's ORA- numbers and python-oracledb's DPY- and DPI- ones
        M("oracle.ora-28221-replace", "Oracle Database", Oracle, @"ORA-28221",
            "The user's profile has a password verify function: changing its own password needs REPLACE <old password>.", "ORA-28221: REPLACE not specified",
            OracleErrors + "ora-28221/", DatabaseRuleFindings.PasswordNeedsReplaceClause),
        M("oracle.ora-28003-28007-policy", "Oracle Database", Oracle, @"ORA-2800[37]\b",
            "The profile's verify function or reuse rules refused the generated password.",
            "ORA-28007: the password cannot be reused", OracleErrors + "ora-28007/", DatabaseRuleFindings.PasswordPolicyRejectsNewPassword),
        M("oracle.ora-28000-28001-locked", "Oracle Database", Oracle, @"ORA-2800[01]\b",
            "The account is locked or its password has expired.", "ORA-28000: The account is locked.", OracleErrors + "ora-28000/",
            DatabaseRuleFindings.DatabaseAccountLockedOrExpired),
        M("oracle.ora-01017-logon-denied", "Oracle Database", Oracle, @"ORA-01017\b",
            "The password is not the user's.", "ORA-01017: invalid username/password; logon denied", OracleErrors + "ora-01017/",
            DatabaseLoginFindings.CurrentCredentialsRejected),
        M("oracle.ora-01031-privileges", "Oracle Database", Oracle, @"ORA-01031\b|ORA-01045\b",
            "The logged-in user lacks a privilege the rotation needs (ALTER USER and CREATE USER for the master user, CREATE SESSION for the _clone user).",
            "ORA-01031: insufficient privileges", OracleErrors + "ora-01031/", DatabaseRuleFindings.RotationUserLacksPrivilege),
        M("oracle.service-unknown", "Oracle listener / python-oracledb", Oracle, @"ORA-1251[45]\b|ORA-12505\b|Similar to ORA-125(?:14|05)|DPY-600[13]\b",
            "The listener knows no service (or SID) by the secret's dbname.",
            "DPY-6001: Service \"ORCL\" is not registered with the listener at host \"10.0.1.5\" port 1521. (Similar to ORA-12514)", OracledbErrors,
            DatabaseRuleFindings.SecretDatabaseUnknown),
        M("oracledb.dpy-3001-nne", "python-oracledb", Oracle, @"DPY-3001: Native Network Encryption and Data Integrity is only supported in python-oracledb thick mode",
            "The database requires Oracle's native network encryption, which thin mode cannot do.",
            "DPY-3001: Native Network Encryption and Data Integrity is only supported in python-oracledb thick mode",
            "oracle/python-oracledb src/oracledb/impl/thin/messages/connect.pyx and src/oracledb/errors.py (ERR_FEATURE_NOT_SUPPORTED)",
            BundleFitFindings.OracleThinModeCannotEncrypt),
        M("oracle.ora-12660-nne", "Oracle listener / python-oracledb", Oracle, @"ORA-12660\b|Similar to ORA-12660",
            "The server's encryption or checksum requirements do not fit the client: thin mode against native network encryption.",
            "DPY-6000: cannot connect to database. Listener refused connection. (Similar to ORA-12660)", OracledbErrors + " (ERR_LISTENER_REFUSED_CONNECTION)",
            BundleFitFindings.OracleThinModeCannotEncrypt),
        M("oracledb.dpy-4011-closed", "python-oracledb", Oracle, @"DPY-4011\b",
            "The server closed the connection during the handshake: with thin mode, the typical answer of a database that requires native network encryption.",
            "DPY-4011: the database or network closed the connection", OracledbErrors + " (ERR_CONNECTION_CLOSED)", BundleFitFindings.OracleThinModeCannotEncrypt),
        M("oracledb.tls-to-plain-port", "python-oracledb", Oracle, @"DPY-6005\b.*(?:EOF occurred in violation of protocol|WRONG_VERSION_NUMBER)",
            "The function spoke TLS to a port that answers in plain: the database has no TLS listener there (the SSL option's port).",
            "DPY-6005: cannot connect to database (CONNECTION_ID=...). EOF occurred in violation of protocol (_ssl.c:1147)", OracledbErrors + " (ERR_CONNECTION_FAILED)",
            DatabaseServerFindings.DatabaseTlsNotOffered),
        M("oracledb.dpy-6005-refused", "python-oracledb", Oracle, @"DPY-6005\b.*(?:Connection refused|Errno 111)",
            "Nothing listens on the secret's host and port.", "DPY-6005: cannot connect to database (CONNECTION_ID=...). [Errno 111] Connection refused",
            OracledbErrors + " (ERR_CONNECTION_FAILED)", DatabaseServerFindings.DatabasePortClosed),
        M("oracledb.dpy-6005-timeout", "python-oracledb", Oracle, @"DPY-6005\b.*timed out|ORA-12170\b",
            "The server did not answer in time.", "DPY-6005: cannot connect to database (CONNECTION_ID=...). timed out", OracledbErrors + " (ERR_CONNECTION_FAILED)",
            DatabaseServerFindings.DatabaseDoesNotAnswer),
        M("oracle.dpi-1047-client-missing", "ODPI-C (cx_Oracle, python-oracledb thick mode)", Oracle, @"DPI-1047: Cannot locate a 64-bit Oracle Client library",
            "Thick mode or cx_Oracle needs Oracle's client libraries (libclntsh), which the function does not have.",
            "DPI-1047: Cannot locate a 64-bit Oracle Client library: \"libclntsh.so: cannot open shared object file: No such file or directory\"",
            "oracle/odpi src/dpiErrorMessages.h (DPI-1047)", BundleFitFindings.OracleClientLibrariesMissing),

        // MongoDB and DocumentDB, through PyMongo
        M("pymongo.authenticate-removed", "PyMongo", Mongo, @"'Collection' object is not callable\. If you meant to call the 'authenticate' method",
            "The template's db.authenticate() call does not exist in PyMongo 4 and later.",
            "TypeError: 'Collection' object is not callable. If you meant to call the 'authenticate' method on a 'Database' object it is failing because no such method exists.",
            "mongodb/mongo-python-driver pymongo/collection.py (Collection.__call__; pymongo/synchronous/collection.py from 4.9)", BundleFitFindings.TemplateCodeDoesNotFitDriver),
        M("mongo.authentication-failed", "MongoDB/DocumentDB server", Mongo, @"Authentication failed\.|'codeName': 'AuthenticationFailed'",
            "The password is not the user's.", "Authentication failed., full error: {'ok': 0.0, 'errmsg': 'Authentication failed.', 'code': 18, 'codeName': 'AuthenticationFailed'}",
            "mongodb/mongo src/mongo/base/error_codes.yml (AuthenticationFailed, 18)", DatabaseLoginFindings.CurrentCredentialsRejected),
        M("mongo.not-authorized", "MongoDB/DocumentDB server", Mongo, @"not authorized on \S+ to execute command|'codeName': 'Unauthorized'",
            "The logged-in user may not change users (changeOwnPassword, or userAdmin for the master user).",
            "not authorized on admin to execute command { updateUser: \"app\", ... }", "mongodb/mongo src/mongo/base/error_codes.yml (Unauthorized, 13)",
            DatabaseRuleFindings.RotationUserLacksPrivilege),
        M("mongo.not-primary", "MongoDB/DocumentDB server", Mongo, @"\bnot (?:master|primary)\b|NotWritablePrimary|NotPrimaryNoSecondaryOk",
            "The host is a secondary or a reader: it takes no user change.", "not primary, full error: {'ok': 0.0, 'errmsg': 'not primary', 'code': 10107, 'codeName': 'NotWritablePrimary'}",
            "mongodb/mongo src/mongo/base/error_codes.yml (NotWritablePrimary, 10107)", DatabaseRuleFindings.DatabaseIsReadOnly),
        M("pymongo.certificate-untrusted", "PyMongo (Python's ssl)", Mongo, @"CERTIFICATE_VERIFY_FAILED\] certificate verify failed: (?:unable to get local issuer certificate|self[- ]signed certificate)",
            "DocumentDB's certificate does not chain to a CA the function trusts (the Amazon RDS CA bundle is not in Python's default trust store).",
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)",
            "python/cpython Modules/_ssl.c (OpenSSL's X509 verify error text)", DatabaseRuleFindings.DatabaseCertificateNotTrusted),

        // Db2, through ibm_db: the templates log the exception with its traceback
        M("db2.sql30082n-reason-24", "Db2 server", Db2, @"SQL30082N\s+Security processing failed with reason ""24""",
            "The user name or password is not valid.", "[IBM][CLI Driver] SQL30082N  Security processing failed with reason \"24\" (\"USERNAME AND/OR PASSWORD INVALID\").  SQLSTATE=08001 SQLCODE=-30082",
            Db2Messages, DatabaseLoginFindings.CurrentCredentialsRejected),
        M("db2.sql30082n-expired", "Db2 server", Db2, @"SQL30082N\s+Security processing failed with reason ""(?:1|7|19)""",
            "The password has expired, or the user is revoked, disabled or restricted.",
            "[IBM][CLI Driver] SQL30082N  Security processing failed with reason \"1\" (\"PASSWORD EXPIRED\").  SQLSTATE=08001", Db2Messages,
            DatabaseRuleFindings.DatabaseAccountLockedOrExpired),
        M("db2.sql30081n-refused", "Db2 client", Db2, @"SQL30081N\s+A communication error.*Protocol specific error code\(s\): ""111""",
            "Nothing listens on the secret's host and port (ECONNREFUSED).",
            "SQL30081N  A communication error has been detected. Communication protocol being used: \"TCP/IP\". ... Protocol specific error code(s): \"111\", \"*\", \"*\".  SQLSTATE=08001",
            "https://www.ibm.com/docs/en/db2/11.5?topic=messages-sql30000-sql39999 (SQL30081N)", DatabaseServerFindings.DatabasePortClosed),
        M("db2.sql30081n-timeout", "Db2 client", Db2, @"SQL30081N\s+A communication error.*(?:Protocol specific error code\(s\): ""110""|selectForConnectTimeout)",
            "The server did not answer in time (ETIMEDOUT).",
            "SQL30081N  A communication error has been detected. ... Communication function detecting the error: \"selectForConnectTimeout\". Protocol specific error code(s): \"115\", \"*\", \"*\".  SQLSTATE=08001",
            "https://www.ibm.com/docs/en/db2/11.5?topic=messages-sql30000-sql39999 (SQL30081N)", DatabaseServerFindings.DatabaseDoesNotAnswer),
        M("db2.sql0551n-privilege", "Db2 server", Db2, @"SQL0551N\b",
            "The logged-in user lacks the privilege the statement needs.",
            "SQL0551N  \"APP\" does not have the required authorization or privilege to perform operation \"ALTER USER\" on object \"APP_CLONE\".  SQLSTATE=42501",
            "https://www.ibm.com/docs/en/db2/11.5?topic=messages-sql0500-sql0999", DatabaseRuleFindings.RotationUserLacksPrivilege),

        // Lambda's Python runtime and the dynamic loader: the package does not load
        M("python.pg-syntax-error", "Lambda Python runtime", Postgres, @"Syntax error in module 'lambda_function'.*__init__\.py, line 3|File ""/var/task/pg/__init__\.py""",
            "The package named \"pg\" on PyPI is not PyGreSQL; its code does not even parse on Python 3.7 and later.",
            "[ERROR] Runtime.UserCodeSyntaxError: Syntax error in module 'lambda_function': invalid syntax (__init__.py, line 3)", "https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html",
            BundleFitFindings.WrongPackageForPyGreSql),
        M("pygresql.no-shared-library", "PyGreSQL", Postgres, @"Cannot import shared library for PyGreSQL",
            "PyGreSQL's _pg did not import: built for another Python, or its libpq is missing.",
            "Cannot import shared library for PyGreSQL,\nprobably because no libpq.so is installed.\nNo module named '_pg'", "PyGreSQL/PyGreSQL pg/core.py",
            [.. ImportFailed, BundleFitFindings.NativeLibraryNotInBundle]),
        M("loader.glibc-too-old", "glibc's dynamic loader", Any, @"version [`']GLIBC_\d+\.\d+' not found",
            "A native module needs a newer glibc than the runtime's operating system has.", "/lib64/libc.so.6: version `GLIBC_2.28' not found (required by /var/task/psycopg2/_psycopg.cpython-39-x86_64-linux-gnu.so)",
            "bminor/glibc elf/dl-version.c (match_symbol)", BundleFitFindings.NativeModuleNeedsNewerGlibc),
        M("loader.invalid-elf-header", "glibc's dynamic loader", Any, @"invalid ELF header",
            "A native module is no Linux binary (built on macOS or Windows).", "Unable to import module 'rotate': /var/task/bcrypt/_bcrypt.so: invalid ELF header",
            "bminor/glibc elf/dl-load.c (open_verify)", BundleFitFindings.NativeModuleNotForLinux),
        M("loader.wrong-elf-class", "glibc's dynamic loader", Any, @"wrong ELF class: ELFCLASS(?:32|64)",
            "A native module is built for another CPU word size.", "/var/task/_pg.so: wrong ELF class: ELFCLASS32", "bminor/glibc elf/dl-load.c (open_verify)",
            BundleFitFindings.NativeModuleBuiltForOtherArchitecture),
        M("loader.library-missing", "glibc's dynamic loader", Any, @"lib[\w.+-]*\.so[\d.]*: cannot open shared object file: No such file or directory",
            "A native module needs a client library the bundle does not carry where the loader looks.",
            "libsybdb.so.5: cannot open shared object file: No such file or directory", "bminor/glibc elf/dl-load.c (_dl_map_object)",
            BundleFitFindings.NativeLibraryNotInBundle, BundleFitFindings.NativeModuleBuiltForOtherArchitecture),
        M("python.no-module", "Lambda Python runtime", Any, @"No module named '[^']+'",
            "A module the function imports is not where Python looks: missing, or a native module built for another Python.",
            "[ERROR] Runtime.ImportModuleError: Unable to import module 'lambda_function': No module named '_pg'", "python/cpython Lib/importlib/_bootstrap.py (_find_and_load_unlocked)",
            ImportFailed),
    ];

    /// <summary>
    /// The messages in these log texts (records, tracebacks), in the order they first appear; one match per message id,
    /// and for an engine only the messages its templates can log.
    /// </summary>
    public static IReadOnlyList<DriverMessageMatch> Find(IEnumerable<string?> texts, DatabaseEngine? engine = null)
    {
        var found = new List<DriverMessageMatch>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var candidates = All.Where(m => m.Applies(engine)).ToList();
        foreach (var text in texts)
        {
            if (string.IsNullOrEmpty(text)) continue;
            var bounded = text.Length <= MaxLineChars ? text : text[..MaxLineChars];
            foreach (var message in candidates)
            {
                if (seen.Contains(message.Id)) continue;
                Match match;
                try
                {
                    match = message.Pattern.Match(bounded);
                }
                catch (RegexMatchTimeoutException)
                {
                    continue;
                }
                if (!match.Success) continue;
                seen.Add(message.Id);
                found.Add(new DriverMessageMatch(message, Shorten(LineAround(bounded, match.Index))));
            }
        }
        return found;
    }

    /// <summary>The causes the messages point to, each once, in the order the messages came.</summary>
    public static IReadOnlyList<FindingDefinition> CausesOf(IEnumerable<DriverMessageMatch> matches) =>
        matches.SelectMany(m => m.Message.Causes).Distinct().ToList();

    /// <summary>The vocabulary as a markdown table (docs/reference/driver-messages.md holds it; ./build.ps1 Docs writes it).</summary>
    public static string Markdown()
    {
        var text = new System.Text.StringBuilder();
        text.Append("| Id | Written by | The words | What they mean | Causes | Source |\n|---|---|---|---|---|---|\n");
        foreach (var m in All)
            text.Append($"| `{m.Id}` | {Cell(m.Writer)} | `{Cell(m.Example).Replace("`", "'", StringComparison.Ordinal)}` | {Cell(m.Meaning)} | " +
                        $"{string.Join(", ", m.Causes.Select(c => $"`{c.Id}`"))} | {Cell(m.Source)} |\n");
        return text.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string LineAround(string text, int at)
    {
        var start = text.LastIndexOf('\n', Math.Max(0, at - 1)) + 1;
        if (at == 0) start = 0;
        var end = text.IndexOf('\n', at);
        return text[start..(end < 0 ? text.Length : end)].Trim();
    }

    private static string Shorten(string line)
    {
        var clean = UntrustedText.Line(line);
        return clean.Length <= MaxEvidenceChars ? clean : clean[..MaxEvidenceChars] + "…";
    }
}
