using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Diagnosis;

namespace RotationTroubleshooter.Tests.Diagnosis;

/// <summary>A secret, its function and fixed answers for the checks' inputs: a check run without AWS.</summary>
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
    public DiagnosisInputs Inputs { get; set; }

    public DiagnosisFixture()
    {
        Inputs = new DiagnosisInputs
        {
            RegionName = "us-east-1",
            Function = (_, _) => Task.FromResult(new LambdaFunction(Function, Tags, null)),
        };
    }

    /// <summary>The secret's AWSCURRENT value, as the one GetSecretValue client would read it (only key names leave it).</summary>
    public DiagnosisFixture WithValue(string json)
    {
        Inputs = Inputs with { SecretValue = (_, _) => Task.FromResult(new SecretValue("v-current", json, isBinary: false)) };
        return this;
    }

    /// <summary>Diagnoses the secret with these checks of the catalogue (by class), as Test-SecretRotation would.</summary>
    public RotationDiagnosis Diagnose(params Type[] checks) =>
        RotationDiagnostician.DiagnoseAsync(new DiagnosisContext(Secret, Options, Inputs),
            CheckCatalogue.Checks.Where(c => checks.Length == 0 || checks.Contains(c.GetType())), CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>The findings of one check of the catalogue.</summary>
    public IReadOnlyList<Finding> Run<TCheck>() where TCheck : RotationCheck => Diagnose(typeof(TCheck)).Findings;
}
