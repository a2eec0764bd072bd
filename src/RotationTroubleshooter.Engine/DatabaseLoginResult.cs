using RotationTroubleshooter.Text;
using RotationTroubleshooter.Database;
namespace RotationTroubleshooter;

/// <summary>
/// One login attempt with one version of a secret, made the way the rotation templates make it. Holds no secret:
/// the endpoint and user name only, never the password. Text cleaned as given (OutputText).
/// </summary>
public sealed class DatabaseLoginResult
{
    internal DatabaseLoginResult(string? stage, DatabaseEngine engine, string endpoint, string userName, string? databaseName,
        bool tcpReachable, bool? tlsUsed, bool? serverRequiresTls, string? authenticationMethod, bool? loginSucceeded,
        DatabaseLoginFailureKind? failureKind, long durationMs, string vantage, string message, bool? credentialsAccepted = null)
    {
        Stage = OutputText.OfOrNull(stage);
        Engine = engine;
        Endpoint = OutputText.Of(endpoint);
        UserName = OutputText.Of(userName);
        DatabaseName = OutputText.OfOrNull(databaseName);
        TcpReachable = tcpReachable;
        TlsUsed = tlsUsed;
        ServerRequiresTls = serverRequiresTls;
        AuthenticationMethod = OutputText.OfOrNull(authenticationMethod);
        LoginSucceeded = loginSucceeded;
        FailureKind = failureKind;
        DurationMs = durationMs;
        Vantage = OutputText.Of(vantage);
        Message = OutputText.Of(message);
        CredentialsAccepted = credentialsAccepted;
    }

    /// <summary>The secret the credentials came from, when the login started from a secret in Secrets Manager.</summary>
    public string? SecretArn { get; private init => field = OutputText.OfOrNull(value); }
    /// <summary>The secret's name, when the login started from a secret.</summary>
    public string? SecretName { get; private init => field = OutputText.OfOrNull(value); }
    /// <summary>The secret version the stage label was on.</summary>
    public string? VersionId { get; private init => field = OutputText.OfOrNull(value); }
    /// <summary>The secret version's stage (AWSCURRENT, AWSPREVIOUS, AWSPENDING), as the caller named it.</summary>
    public string? Stage { get; }
    public DatabaseEngine Engine { get; }
    /// <summary>host:port from the secret.</summary>
    public string Endpoint { get; }
    public string UserName { get; }
    public string? DatabaseName { get; }
    /// <summary>Whether a TCP connection to the endpoint opened from this machine.</summary>
    public bool TcpReachable { get; }
    /// <summary>Whether the reported attempt ran over TLS; null when no attempt got that far.</summary>
    public bool? TlsUsed { get; }
    /// <summary>Whether the server refuses logins without TLS; null when this could not be observed.</summary>
    public bool? ServerRequiresTls { get; }
    /// <summary>The authentication the server asked for (scram-sha-256, md5, mysql_native_password, ...); null when not observed.</summary>
    public string? AuthenticationMethod { get; }
    /// <summary>True or false once a login was tried; null when it was not (unsupported engine, or the endpoint was unreachable).</summary>
    public bool? LoginSucceeded { get; }
    /// <summary>
    /// Whether the server accepted these credentials in any login this test made: true also when the template's own
    /// login was refused but one over verified TLS in its place logged in (the user requires TLS); false when the server
    /// judged them wrong; null when no login got that far.
    /// </summary>
    public bool? CredentialsAccepted { get; }
    /// <summary>Null when the login succeeded or no login was tried for a reason other than the network.</summary>
    public DatabaseLoginFailureKind? FailureKind { get; }
    public long DurationMs { get; }
    /// <summary>Where the test ran from: this machine, which may not see the database the way the rotation function does.</summary>
    public string Vantage { get; }
    /// <summary>What happened, in words; driver messages are included with the password scrubbed out.</summary>
    public string Message { get; }

    internal DatabaseLoginResult ForSecret(string? secretArn, string? secretName, string? versionId) =>
        new(Stage, Engine, Endpoint, UserName, DatabaseName, TcpReachable, TlsUsed, ServerRequiresTls, AuthenticationMethod, LoginSucceeded,
            FailureKind, DurationMs, Vantage, Message, CredentialsAccepted) { SecretArn = secretArn, SecretName = secretName, VersionId = versionId };

    public override string ToString() =>
        $"{Stage ?? "(no stage)"} {Endpoint}: " + (LoginSucceeded switch
        {
            true => "login succeeded",
            false => $"login failed ({FailureKind})",
            null => FailureKind is { } kind ? $"not tried ({kind})" : "login not tried",
        });
}
