namespace RotationTroubleshooter.Database;

/// <summary>
/// What the database answers without credentials can show (DatabaseServerProbe); the DatabaseServer check raises these and
/// the causes of a failed login weigh them.
/// </summary>
public static class DatabaseServerFindings
{
    public static readonly FindingDefinition DatabasePortClosed = new(nameof(DatabasePortClosed), FindingSeverity.Error,
        "Nothing listens on the secret's host and port: the connection is refused at once, so every login fails.",
        "Make the secret's host and port name the database's endpoint (for RDS, the instance or cluster endpoint and its port), or start the database.",
        AwsDocs.SecretJsonStructure);

    public static readonly FindingDefinition DatabaseDoesNotAnswer = new(nameof(DatabaseDoesNotAnswer), FindingSeverity.Error,
        "The secret's database does not answer a connection within the templates' 5 s: packets are dropped on the way (security group, network ACL, route) or the host is down.",
        "Let the function reach the database: allow the database port outbound from the function's security group and inbound on the database's, with a route and network ACLs between their subnets; check that the database is running.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition DatabaseTlsNotOffered = new(nameof(DatabaseTlsNotOffered), FindingSeverity.Error,
        "The secret says \"ssl\": true, but the database offers no TLS: the function never connects.",
        "Turn on TLS on the database, or remove the ssl key from the secret (the function then tries TLS and falls back to a plain connection).",
        AwsDocs.RotationTroubleshooting);
}
