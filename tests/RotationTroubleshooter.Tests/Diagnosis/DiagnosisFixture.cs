using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Diagnosis;
using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Tests.Diagnosis;

/// <summary>
/// A secret, its function and fixed answers for the inputs the checks read (Evidence/): a check run without AWS. An input
/// not given here and not worked out from given ones fails the test ("No ... was given").
/// </summary>
internal sealed class DiagnosisFixture
{
    public const string SecretArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-AbCdEf";
    public const string FunctionArn = "arn:aws:lambda:us-east-1:123456789012:function:SecretsManagerRDSPostgreSQLRotationSingleUser";

    public SecretDescription Secret { get; } = new()
    {
        ARN = SecretArn, Name = "prod/orders", RotationEnabled = true, RotationLambdaARN = FunctionArn,
        VersionIdsToStages = new() { ["v-current"] = ["AWSCURRENT"] },
    };

    public FunctionConfiguration Function { get; } = new()
    {
        FunctionName = "SecretsManagerRDSPostgreSQLRotationSingleUser", FunctionArn = FunctionArn, Runtime = "python3.12", Timeout = 30,
        State = "Active", Role = "arn:aws:iam::123456789012:role/rotation",
        Environment = new FunctionEnvironment { Variables = new() { ["SECRETS_MANAGER_ENDPOINT"] = "https://secretsmanager.us-east-1.amazonaws.com" } },
    };

    public Dictionary<string, string> Tags { get; } = [];
    public DiagnosisOptions Options { get; set; } = new() { Now = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc) };
    public EvidenceSource Source { get; } = new("us-east-1");

    public DiagnosisFixture() => Given(FunctionInputs.Function, _ => new LambdaFunction(Function, Tags, null));

    /// <summary>Answers an input with this value (a shared input: whatever key the diagnosis asks for).</summary>
    public DiagnosisFixture Given<T>(Input<T> input, T? value) => Given(input, _ => value);

    /// <summary>Answers an input with this function of the key the diagnosis asks for (null for a derived input).</summary>
    public DiagnosisFixture Given<T>(Input<T> input, Func<object?, T?> answer)
    {
        Source.With(input, (key, _) => Task.FromResult(answer(key)));
        return this;
    }

    /// <summary>The input cannot be had: its read fails with <paramref name="failure"/>.</summary>
    public DiagnosisFixture Fails<T>(Input<T> input, Exception failure)
    {
        Source.With<T>(input, (_, _) => Task.FromException<T?>(failure));
        return this;
    }

    /// <summary>The secret's AWSCURRENT value, as the one GetSecretValue client would read it (only key names leave it).</summary>
    public DiagnosisFixture WithValue(string json) => Given(SecretInputs.CurrentValue, new SecretValue("v-current", json, isBinary: false));

    public const string InstanceArn = "arn:aws:rds:us-east-1:123456789012:db:orders";

    /// <summary>
    /// The secret as RDS makes it for an instance with a managed master password (owning service, tags, rotation on, no
    /// function), and RDS's answers: the instance names this secret as its MasterUserSecret, active, and has no events.
    /// </summary>
    public DiagnosisFixture ManagedByRds()
    {
        Secret.RotationLambdaARN = null;
        Secret.OwningService = "rds";
        Secret.Tags = [new AwsTag { Key = "aws:rds:primaryDBInstanceArn", Value = InstanceArn }, new AwsTag { Key = "aws:secretsmanager:owningService", Value = "rds" }];
        Secret.RotationRules = new RotationRules { AutomaticallyAfterDays = 7, ScheduleExpression = "rate(7 days)" };
        Secret.LastRotatedDate = Options.Now.AddDays(-3);
        Secret.NextRotationDate = Options.Now.AddDays(4);
        Given(DatabaseInputs.Owner, key => new OwnerDescription((OwningResource)key!, "available", SecretArn, "active", "arn:aws:kms:us-east-1:123456789012:key/k"));
        Given<IReadOnlyList<OwnerEvent>>(DatabaseInputs.OwnerEvents, []);
        return this;
    }

    /// <summary>Diagnoses the secret with these checks of the catalogue (by class) that the options choose, as Test-SecretRotation would.</summary>
    public RotationDiagnosis Diagnose(params Type[] checks) =>
        RotationDiagnostician.DiagnoseAsync(new DiagnosisContext(Secret, Options, Source),
            CheckCatalogue.Checks.Where(Options.Selection.Runs).Where(c => checks.Length == 0 || checks.Contains(c.GetType())), CancellationToken.None)
            .GetAwaiter().GetResult();

    /// <summary>The findings of one check of the catalogue.</summary>
    public IReadOnlyList<Finding> Run<TCheck>() where TCheck : RotationCheck => Diagnose(typeof(TCheck)).Findings;
}
