namespace RotationTroubleshooter.Database;

/// <summary>
/// Turns the per-stage login results into Test-SecretRotation findings. What the function bundles (libpq version) and
/// when it was deployed come from the bundle and age checks; pass null where those are unknown.
/// </summary>
public static class DatabaseLoginFindings
{
    public static readonly FindingDefinition CurrentCredentialsRejected = new(nameof(CurrentCredentialsRejected), FindingSeverity.Error,
        "The AWSCURRENT version of the secret does not log in to the database.",
        "Make the database and the secret agree: set the user's password to the AWSCURRENT value (or store the working password as a new AWSCURRENT version), then rotate again.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition PendingCredentialsRejected = new(nameof(PendingCredentialsRejected), FindingSeverity.Error,
        "The AWSPENDING version of the secret does not log in to the database; testSecret fails this way.",
        "setSecret did not set the pending password in the database: read that step's log (Get-RotationFunctionLog) and fix what it reports, then rotate again.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition DatabaseRequiresScramButFunctionLibpqTooOld = new(nameof(DatabaseRequiresScramButFunctionLibpqTooOld), FindingSeverity.Error,
        "The database asks for scram-sha-256, but the rotation function bundles a libpq older than 10, which cannot do SCRAM.",
        "Redeploy the rotation function from the current Secrets Manager rotation template (its libpq supports SCRAM), or store the user's password as md5 until then.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition DatabaseRequiresTlsButFunctionPredatesTls = new(nameof(DatabaseRequiresTlsButFunctionPredatesTls), FindingSeverity.Error,
        "The database refuses connections without TLS, but the rotation function was deployed before the templates supported TLS.",
        "Redeploy the rotation function from the current Secrets Manager rotation template, which connects with TLS.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition DatabaseUnreachableFromHere = new(nameof(DatabaseUnreachableFromHere), FindingSeverity.Warning,
        "The database could not be reached from the machine running the check.",
        "Run the test from a host inside the function's VPC and subnets. If it fails there too, allow the database port from the function's security groups in the database's security group, and check routes and network ACLs.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition DatabaseRequiresTlsSecretDisablesIt = new(nameof(DatabaseRequiresTlsSecretDisablesIt), FindingSeverity.Error,
        "The database accepts this user only over TLS, and the secret's \"ssl\": false makes the function connect without it.",
        "Set \"ssl\" to true in the secret (or remove the key, so the function tries TLS first), then rotate again.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition DatabaseLoginNotTested = new(nameof(DatabaseLoginNotTested), FindingSeverity.Info,
        "The database login with a version of the secret was not tested.",
        "Give the identity running this command what the message names, then run the check again.",
        AwsDocs.SecretJsonStructure);

    public static IReadOnlyList<FindingDefinition> All { get; } =
    [
        CurrentCredentialsRejected, PendingCredentialsRejected, DatabaseRequiresScramButFunctionLibpqTooOld,
        DatabaseRequiresTlsButFunctionPredatesTls, DatabaseRequiresTlsSecretDisablesIt, DatabaseUnreachableFromHere, DatabaseLoginNotTested,
    ];

    /// <param name="results">One result per stage tried (Stage set to AWSCURRENT, AWSPREVIOUS or AWSPENDING).</param>
    /// <param name="functionLibpqMajorVersion">The libpq major version bundled with the rotation function, if known.</param>
    /// <param name="functionPredatesTls">Whether the function was deployed before the templates supported TLS, if known.</param>
    public static IReadOnlyList<Finding> Evaluate(IEnumerable<DatabaseLoginResult> results, int? functionLibpqMajorVersion = null,
        bool? functionPredatesTls = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        var all = results.ToList();
        var byStage = all.Where(r => r.Stage is not null).GroupBy(r => r.Stage!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var findings = new List<Finding>();

        if (byStage.TryGetValue("AWSCURRENT", out var current) && current is { LoginSucceeded: false, FailureKind: DatabaseLoginFailureKind.TlsRequired })
        {
            // Not the credentials: the server refuses the connection the secret's "ssl": false makes.
            findings.Add(DatabaseRequiresTlsSecretDisablesIt.Raise([Evidence(current)],
                $"{current.Endpoint} accepts '{current.UserName}' only over TLS, and the secret's \"ssl\": false makes the function connect without it."));
        }
        else if (current is { LoginSucceeded: false })
        {
            var evidence = new List<string> { Evidence(current) };
            if (byStage.TryGetValue("AWSPREVIOUS", out var previous) && previous.LoginSucceeded == true)
            {
                evidence.Add("AWSPREVIOUS logs in: the database still has the previous password, so a rotation moved AWSCURRENT without setSecret changing the password.");
            }

            findings.Add(CurrentCredentialsRejected.Raise(evidence,
                $"The AWSCURRENT version of the secret does not log in to {current.Endpoint} as '{current.UserName}': {Describe(current)}.",
                Remediation(current, "AWSCURRENT")));
        }

        if (byStage.TryGetValue("AWSPENDING", out var pending) && pending.LoginSucceeded == false)
        {
            findings.Add(PendingCredentialsRejected.Raise([Evidence(pending)],
                $"The AWSPENDING version of the secret does not log in to {pending.Endpoint} as '{pending.UserName}': {Describe(pending)}; testSecret fails this way.",
                Remediation(pending, "AWSPENDING")));
        }

        var scram = all.FirstOrDefault(r => r.AuthenticationMethod == "scram-sha-256" && r.Engine is DatabaseEngine.PostgreSql or DatabaseEngine.Redshift);
        if (scram is not null && functionLibpqMajorVersion is { } libpq && libpq < 10)
        {
            findings.Add(DatabaseRequiresScramButFunctionLibpqTooOld.Raise([Evidence(scram), $"Bundled libpq major version: {libpq}."],
                $"{scram.Endpoint} asks for scram-sha-256, but the rotation function bundles libpq {libpq}, which cannot do SCRAM (it needs 10 or later)."));
        }

        var tlsRequired = all.FirstOrDefault(r => r.ServerRequiresTls == true);
        if (tlsRequired is not null && functionPredatesTls == true)
        {
            findings.Add(DatabaseRequiresTlsButFunctionPredatesTls.Raise([Evidence(tlsRequired)],
                $"{tlsRequired.Endpoint} refuses connections without TLS, but the rotation function was deployed before the templates supported TLS."));
        }

        // A login not tried to keep the password safe, or at an address no database has, says why and what would make it possible.
        foreach (var notTried in all.Where(r => r.FailureKind is DatabaseLoginFailureKind.NoVerifiedTls or DatabaseLoginFailureKind.LinkLocalAddress))
        {
            findings.Add(DatabaseLoginNotTested.Raise([Evidence(notTried)],
                $"The database login with the {notTried.Stage} version was not tested: {notTried.Message}",
                notTried.FailureKind == DatabaseLoginFailureKind.LinkLocalAddress
                    ? "Correct the secret's host key to the database's endpoint."
                    : "Pass the CA bundle that signed the database's certificate (-CaCertificatePath), or run the check from a host in the function's VPC."));
        }

        var unreachable = all.FirstOrDefault(r => r.FailureKind is DatabaseLoginFailureKind.Unreachable or DatabaseLoginFailureKind.Timeout);
        if (unreachable is not null)
        {
            findings.Add(DatabaseUnreachableFromHere.Raise([Evidence(unreachable)],
                $"{unreachable.Endpoint} could not be reached from {unreachable.Vantage}."));
        }

        return findings;
    }

    private static string Describe(DatabaseLoginResult result) => result.FailureKind switch
    {
        DatabaseLoginFailureKind.PasswordRejected => "the server rejects the user name or password",
        DatabaseLoginFailureKind.UserMissing => "the user does not exist",
        DatabaseLoginFailureKind.UnknownDatabase => "the database named by dbname does not exist (or the user may not use it)",
        DatabaseLoginFailureKind.TlsRequired => "the server requires TLS and the secret's ssl key turns it off",
        DatabaseLoginFailureKind.TlsHandshakeFailed => "the server offers no TLS (or broke off the TLS handshake)",
        DatabaseLoginFailureKind.Timeout => "the server did not answer in time",
        DatabaseLoginFailureKind.Unreachable => "the server could not be reached",
        _ => "the login failed",
    };

    private static string Remediation(DatabaseLoginResult result, string stage) => result.FailureKind switch
    {
        DatabaseLoginFailureKind.PasswordRejected or DatabaseLoginFailureKind.UserMissing when stage == "AWSPENDING" =>
            "setSecret did not set the pending password in the database: read that step's log (Get-RotationFunctionLog) and fix what it reports, then rotate again.",
        DatabaseLoginFailureKind.PasswordRejected or DatabaseLoginFailureKind.UserMissing =>
            "Make the database and the secret agree: set the user's password to the AWSCURRENT value (or store the working password as a new AWSCURRENT version), then rotate again.",
        DatabaseLoginFailureKind.UnknownDatabase => "Correct the dbname key in the secret, or create the database.",
        DatabaseLoginFailureKind.TlsRequired => "Remove the ssl key from the secret or set it to true, so the function connects with TLS.",
        DatabaseLoginFailureKind.TlsHandshakeFailed => "Turn on TLS on the server with a certificate from a CA the function trusts (for Amazon RDS, the RDS CA), for the host name in the secret.",
        _ => "Check the database's availability and the network path from the rotation function.",
    };

    private static string Evidence(DatabaseLoginResult result) =>
        $"{result.Stage}: {result.Endpoint} user '{result.UserName}', TCP {(result.TcpReachable ? "reachable" : "not reachable")}, "
        + $"TLS used {Text(result.TlsUsed)}, server requires TLS {Text(result.ServerRequiresTls)}, authentication {result.AuthenticationMethod ?? "unknown"}, "
        + $"login {(result.LoginSucceeded is { } ok ? ok ? "succeeded" : $"failed ({result.FailureKind})" : "not tried")} in {result.DurationMs} ms, tested from {result.Vantage}.";

    private static string Text(bool? value) => value switch { true => "yes", false => "no", null => "unknown" };
}
