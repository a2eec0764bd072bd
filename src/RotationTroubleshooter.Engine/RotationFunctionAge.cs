namespace RotationTroubleshooter;

/// <summary>When a rotation function was set up, and whether that predates AWS's TLS and SCRAM template fixes.</summary>
public sealed class RotationFunctionAge
{
    public required string FunctionName { get; init; }
    public string? FunctionArn { get; init; }
    /// <summary>The secret this answer was asked for, when the input was a secret.</summary>
    public string? SecretArn { get; init; }
    public DateTime? CreatedDate { get; init; }
    /// <summary><c>CloudFormationStack</c> (exact) or <c>LambdaLastModified</c> (only an upper bound of the creation).</summary>
    public required string CreatedDateSource { get; init; }
    public string? StackName { get; init; }
    public string? TemplateApplicationId { get; init; }
    public string? TemplateVersion { get; init; }
    /// <summary>True: set up before 2021-12-20; false: after; null: cannot tell.</summary>
    public bool? PredatesTlsSupport { get; init; }
    /// <summary>True: set up before 2021-12-30; false: after; null: cannot tell.</summary>
    public bool? PredatesScramSupport { get; init; }
    public IReadOnlyList<string> Evidence { get => _evidence; init => _evidence = Readable.Lines(value); }
    private readonly IReadOnlyList<string> _evidence = Readable.Lines<string>([]);
}
