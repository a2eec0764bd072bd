using RotationTroubleshooter.Text;

namespace RotationTroubleshooter;

/// <summary>Who a principal is to a secret's rotation (docs/reference/cloudtrail.md, "Who made a change").</summary>
public enum PrincipalKind : long // long: ConvertTo-Json writes it by name (see FindingSeverity)
{
    /// <summary>The execution role of the secret's rotation function.</summary>
    RotationFunction,
    /// <summary>Secrets Manager itself (its rotation events, its calls during a rotation).</summary>
    SecretsManager,
    /// <summary>A CloudFormation stack, acting as whoever ran it or as its service role.</summary>
    CloudFormation,
    /// <summary>Another AWS service (RDS managing its own secret, Lambda updating a runtime).</summary>
    AwsService,
    /// <summary>Anyone else: a user, a pipeline's role, another account; always named by its ARN where CloudTrail has one.</summary>
    Other,
}

/// <summary>What a resource in a secret's history is.</summary>
public enum HistoryResourceKind : long { Secret, Function, SecurityGroup, NetworkAcl, RouteTable, KmsKey, DatabaseInstance, DatabaseCluster }

/// <summary>What an event changed, in the terms the diagnosis's causes depend on.</summary>
public enum HistoryAspect : long
{
    SecretValue, SecretLabels, SecretKey, SecretPolicy, SecretDeleted,
    RotationConfiguration, RotationDisabled, RotationRequested,
    RotationStarted, RotationSucceeded, RotationFailed, RotationAbandoned, RotationAttempt,
    FunctionRuntime, FunctionCode, FunctionNetwork, FunctionTimeout, FunctionMemory, FunctionRole, FunctionEnvironment,
    FunctionLogging, FunctionPermission, FunctionDeleted,
    SecurityGroupRules, NetworkAclEntries, Routes,
    KeyPolicy, KeyState,
    DatabasePassword, DatabaseParameters, DatabaseNetwork, DatabaseCertificate, DatabaseEngine, DatabaseRestart,
}

/// <summary>The principal that made a change, as CloudTrail's userIdentity names it, and what it is to the rotation.</summary>
public sealed class Principal
{
    public Principal(PrincipalKind kind, string name, string? arn = null, string? roleArn = null, string? identityType = null,
        string? invokedBy = null)
    {
        // Text from CloudTrail is data: cleaned as it is given (OutputText).
        Kind = kind;
        Name = OutputText.Of(name);
        Arn = OutputText.OfOrNull(arn);
        RoleArn = OutputText.OfOrNull(roleArn);
        IdentityType = OutputText.OfOrNull(identityType);
        InvokedBy = OutputText.OfOrNull(invokedBy);
    }

    public static Principal SecretsManager { get; } = new(PrincipalKind.SecretsManager, "Secrets Manager", invokedBy: "secretsmanager.amazonaws.com");

    public PrincipalKind Kind { get; }
    /// <summary>Short and readable: <c>alice</c>, <c>ci-42 (role deployer)</c>, <c>CloudFormation as alice</c>, <c>Secrets Manager</c>.</summary>
    public string Name { get; }
    /// <summary>The principal's ARN (a role session's <c>assumed-role</c> ARN); null where CloudTrail gives none (a service).</summary>
    public string? Arn { get; }
    /// <summary>The role a session was issued for.</summary>
    public string? RoleArn { get; }
    /// <summary>userIdentity's type as CloudTrail wrote it (IAMUser, AssumedRole, AWSService, ...).</summary>
    public string? IdentityType { get; }
    /// <summary>The service that made the request on the principal's behalf.</summary>
    public string? InvokedBy { get; }

    public override string ToString() => Arn is null || Name.Contains(Arn, StringComparison.Ordinal) ? Name : $"{Name} ({Arn})";
}

/// <summary>
/// One entry of a secret's rotation history (Get-RotationHistory): a CloudTrail event of the secret or of something its
/// rotation depends on, a rotation attempt from the function's logs, or a runtime update the logs show. Never holds a
/// secret value (docs/reference/cloudtrail.md, "What the module shows, and never shows").
/// </summary>
public sealed class RotationHistoryEvent
{
    public RotationHistoryEvent(string? secretArn, DateTime time, string source, string eventName, Principal? principal, string summary,
        IEnumerable<string> changes, string? resource, HistoryResourceKind? resourceKind, IEnumerable<HistoryAspect> aspects, string? error,
        bool readOnly, string? eventId)
    {
        // Text from CloudTrail and the logs is data: cleaned as it is given (OutputText).
        SecretArn = OutputText.OfOrNull(secretArn);
        Time = DateTime.SpecifyKind(time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time, DateTimeKind.Utc);
        Source = OutputText.Of(source);
        EventName = OutputText.Of(eventName);
        Principal = principal;
        Summary = OutputText.Of(summary);
        Changes = Readable.Items(OutputText.Lines(changes));
        Resource = OutputText.OfOrNull(resource);
        ResourceKind = resourceKind;
        Aspects = Readable.Items(aspects);
        Error = OutputText.OfOrNull(error);
        ReadOnly = readOnly;
        EventId = OutputText.OfOrNull(eventId);
    }

    /// <summary>The secret whose history this entry is in.</summary>
    public string? SecretArn { get; }
    public string? SecretName => Aws.AwsArn.SecretNameOf(SecretArn);
    /// <summary>When it happened, UTC.</summary>
    public DateTime Time { get; }
    /// <summary>Where it was recorded: <c>Secrets Manager</c>, <c>Lambda</c>, <c>EC2</c>, <c>KMS</c>, <c>RDS</c>, or <c>Function logs</c>.</summary>
    public string Source { get; }
    /// <summary>The API action (Lambda's version suffix removed), a Secrets Manager rotation event, <c>RotationAttempt</c> or <c>RuntimeVersionChanged</c>.</summary>
    public string EventName { get; }
    /// <summary>Who did it; null when CloudTrail does not say.</summary>
    public Principal? Principal { get; }
    /// <summary>What the principal is to the rotation (the table's column, and a flat field for Export-Csv).</summary>
    public PrincipalKind? PrincipalKind => Principal?.Kind;
    /// <summary>What happened, as a phrase that follows the principal's name: "changed the function's runtime to python3.11".</summary>
    public string Summary { get; }
    /// <summary>The request's relevant parameters, one per item ("runtime: python3.11"), never a secret value.</summary>
    public IReadOnlyList<string> Changes { get; }
    /// <summary>The resource the event was found under: the secret's ARN, the function's name, a security group id, ...</summary>
    public string? Resource { get; }
    public HistoryResourceKind? ResourceKind { get; }
    /// <summary>What the event changed, for the diagnosis (empty for reads and failed calls, which change nothing).</summary>
    public IReadOnlyList<HistoryAspect> Aspects { get; }
    /// <summary>The call's error code when it failed; a rotation's failure message or symptom.</summary>
    public string? Error { get; }
    /// <summary>A read that changed nothing; left out of histories unless asked for.</summary>
    public bool ReadOnly { get; }
    /// <summary>CloudTrail's event id, or for an attempt from the logs its version and start.</summary>
    public string? EventId { get; }

    public bool Touches(HistoryAspect aspect) => Aspects.Contains(aspect);

    public override string ToString() => $"{Time:yyyy-MM-dd HH:mm:ss}Z {Source} {EventName}" + (Principal is null ? "" : $" by {Principal.Name}") + $": {Summary}";
}
