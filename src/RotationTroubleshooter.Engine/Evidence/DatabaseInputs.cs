using System.Globalization;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Database;
using RotationTroubleshooter.Records;

namespace RotationTroubleshooter.Evidence;

/// <summary>What the secret's database is, what it answers, and what its owning service records about it.</summary>
public static class DatabaseInputs
{
    /// <summary>Where the secret's value says its database is (engine, host, port, user, database): no password.</summary>
    public static readonly DerivedInput<DatabaseAddress> Address = new()
    {
        Id = "DatabaseAddress",
        Description = "the database the secret's value names (engine, host, port, user)",
        DependsOn = [SecretInputs.CurrentValue],
        Derive = async (reader, cancellation) =>
            DatabaseAddress.Of(await reader.GetAsync(SecretInputs.CurrentValue, cancellation).ConfigureAwait(false)),
    };

    /// <summary>
    /// What the database answers from this machine without any credential (DatabaseServerProbe: TCP, TLS, the
    /// authentication it asks for), once per address per run.
    /// </summary>
    public static readonly SharedInput<DatabaseProbeQuestion, DatabaseServerFacts> Server = new()
    {
        Id = "DatabaseServer",
        Description = "what the secret's database answers from here without credentials",
        SharedBy = InputScope.Database,
        DependsOn = [Address],
        WithheldBy = options => options.SkipDatabaseProbe ? "-SkipDatabaseProbe" : options.SkipSecretValue ? "-SkipSecretValue" : null,
        KeyAsync = async (reader, cancellation) => await reader.GetAsync(Address, cancellation).ConfigureAwait(false) is { } address
            ? new DatabaseProbeQuestion(address, reader.Options.DatabaseProbe) : null,
        Fetch = (_, question, cancellation) => DatabaseServerProbe.ProbeAsync(question.Address.Engine, question.Address.Host, question.Address.Port,
            question.Address.UserName, question.Address.Database, question.Options, cancellation),
    };

    /// <summary>
    /// What RDS, Redshift or Redshift Serverless records about the database the secret's host names (the resource it is the
    /// endpoint of, its status and port, the parameters that decide TLS and SCRAM, a proxy's RequireTLS and targets, an
    /// Oracle option group's native network encryption), once per host per run; no connection to the database.
    /// </summary>
    public static readonly SharedInput<DatabaseHostName, DatabaseRecord> Record = new()
    {
        Id = "DatabaseRecord",
        Description = "what RDS or Redshift records about the secret's database (status, endpoint, TLS and password parameters, proxy, option groups)",
        Permissions = DatabaseRecordReader.Permissions,
        SharedBy = InputScope.Database,
        DependsOn = [Address],
        KeyAsync = async (reader, cancellation) => await reader.GetAsync(Address, cancellation).ConfigureAwait(false) is { } address
            ? DatabaseHostName.Parse(address.Host) : null,
        Fetch = DatabaseRecordReader.ReadAsync,
    };

    /// <summary>Logging into the database with each version of the secret, as Test-RotationDatabaseLogin does (only with -IncludeDatabaseLogin).</summary>
    public static readonly SharedInput<LoginQuestion, SecretLogins> Login = new()
    {
        Id = "DatabaseLogin",
        Description = "a login to the database with each version of the secret",
        Permissions = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "kms:Decrypt"],
        SharedBy = InputScope.Secret,
        WithheldBy = options => options.IncludeDatabaseLogin ? null : "no -IncludeDatabaseLogin",
        Key = reader => new LoginQuestion(reader.SecretArn, null, reader.Options.DatabaseProbe),
        Fetch = (session, question, cancellation) => session.Get<DatabaseLoginService>().LogInAsync(question, cancellation),
    };

    /// <summary>The database that owns a managed secret, as RDS or Redshift describes it; null when it no longer exists.</summary>
    public static readonly SharedInput<OwningResource, OwnerDescription?> Owner = new()
    {
        Id = "OwningDatabase",
        Description = "the database that owns the secret, as its service describes it",
        Permissions = ["rds:DescribeDBInstances", "rds:DescribeDBClusters", "redshift:DescribeClusters"],
        SharedBy = InputScope.Database,
        Decisive = true,
        Key = reader => reader.OwningResource,
        Fetch = (session, resource, cancellation) => resource.IsRds
            ? session.Get<RdsClient>().DescribeOwnerAsync(resource, cancellation)
            : session.Get<RedshiftClient>().DescribeOwnerAsync(resource, cancellation),
    };

    /// <summary>
    /// Where the database that owns a managed secret listens: RDS and Redshift keep only a username and password in the
    /// secret, so a login takes the engine, host, port and database from the owner.
    /// </summary>
    public static readonly SharedInput<OwningResource, OwnerEndpoint?> OwnerEndpoint = new()
    {
        Id = "OwningDatabaseEndpoint",
        Description = "the endpoint of the database that owns the secret, as its service records it",
        Permissions = ["rds:DescribeDBInstances", "rds:DescribeDBClusters", "redshift:DescribeClusters"],
        SharedBy = InputScope.Database,
        Key = reader => reader.OwningResource,
        Fetch = Records.OwnerEndpoint.ReadAsync,
    };

    /// <summary>RDS keeps events 14 days.</summary>
    public const int OwnerEventDays = 14;

    /// <summary>The owning RDS instance's or cluster's events of the last 14 days, newest first.</summary>
    public static readonly SharedInput<OwningResource, IReadOnlyList<OwnerEvent>> OwnerEvents = new()
    {
        Id = "OwningDatabaseEvents",
        Description = $"the owning RDS instance's or cluster's events of the last {OwnerEventDays} days",
        Permissions = ["rds:DescribeEvents"],
        SharedBy = InputScope.Database,
        Key = reader => reader.OwningResource is { IsRds: true } resource ? resource : null,
        Fetch = (session, resource, cancellation) => session.Get<RdsClient>().DescribeEventsAsync(resource, OwnerEventDays, cancellation),
    };
}

/// <summary>Where a secret's value says its database is; the password stays out of it.</summary>
public sealed record DatabaseAddress(DatabaseEngine Engine, string Host, int Port, string UserName, string Database)
{
    /// <summary>The value's engine, host and port (the engine's default when it names none); null when it names no known engine or no host.</summary>
    public static DatabaseAddress? Of(SecretValue? value)
    {
        if (value?.NotJsonReason is not null || DatabaseEngines.Of(value?.GetPublicValue("engine")) is not { } engine
            || value!.GetPublicValue("host") is not { Length: > 0 } host) return null;
        // The templates accept the port as a number or a string.
        var port = int.TryParse(value.GetPublicValue("port"), CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536
            ? p : engine.DefaultPort;
        return new DatabaseAddress(engine.Engine, host, port, value.GetPublicValue("username") ?? "", value.GetPublicValue("dbname") ?? engine.DefaultDatabase ?? "");
    }
}

/// <summary>A probe of one database address with one set of options.</summary>
public sealed record DatabaseProbeQuestion(DatabaseAddress Address, DatabaseProbeOptions Options);

/// <summary>A login test of one secret: its stages (null: every one it has) and how to connect.</summary>
public sealed record LoginQuestion(string SecretArn, string? Stages, DatabaseProbeOptions Options);
