using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>The function's age against AWS's TLS (2021-12-20) and SCRAM (2021-12-30) template fixes, dated as Get-RotationFunctionAge does.</summary>
internal sealed class FunctionAgeCheck : RotationCheck
{
    public static readonly FindingDefinition FunctionPredatesTls = new(nameof(FunctionPredatesTls), FindingSeverity.Warning,
        "The rotation function was set up before AWS's templates supported TLS (2021-12-20).",
        "Redeploy the function from the current template, so it connects to the database over TLS.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition FunctionPredatesScram = new(nameof(FunctionPredatesScram), FindingSeverity.Warning,
        "The rotation function was set up before AWS's templates bundled a libpq that can do scram-sha-256 (2021-12-30).",
        "If the database uses scram-sha-256 (the default from PostgreSQL 14 and RDS 13+ parameter groups), redeploy the function from the current template. Test-LibpqScramSupport checks the bundle.",
        AwsDocs.RotationTroubleshooting);

    public override string Description => "the function's age, as `Get-RotationFunctionAge` dates it, against the TLS (2021-12-20) and SCRAM (2021-12-30) template fixes";
    public override CheckArea Area => CheckArea.Function;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = [FunctionPredatesTls, FunctionPredatesScram];
    public override IReadOnlyList<Input> Inputs { get; } = [FunctionInputs.Age];

    public override async Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        if (await context.GetAsync(FunctionInputs.Age, cancellation).ConfigureAwait(false) is not { } age) return;
        var on = age.CreatedDateSource == "CloudFormationStack" ? "on" : "on or before";
        if (age.PredatesTlsSupport == true)
            context.Add(FunctionPredatesTls.Raise(age.Evidence,
                $"The rotation function was set up {on} {age.CreatedDate:yyyy-MM-dd}, before AWS's templates supported TLS (2021-12-20)."));
        var template = RotationTemplates.Identify(age.TemplateApplicationId, age.FunctionName, null);
        if (age.PredatesScramSupport == true && template?.IsPostgres != false)
            context.Add(FunctionPredatesScram.Raise(age.Evidence,
                $"The rotation function was set up {on} {age.CreatedDate:yyyy-MM-dd}, before AWS's templates bundled a libpq that can do scram-sha-256 (2021-12-30)."));
    }
}
