using RotationTroubleshooter.Text;
namespace RotationTroubleshooter;

/// <summary>When a rotation function was set up, and whether that predates AWS's TLS and SCRAM template fixes. Text cleaned as given (OutputText).</summary>
public sealed class RotationFunctionAge
{
    public required string FunctionName { get; init => field = OutputText.Of(value); }
    public string? FunctionArn { get; init => field = OutputText.OfOrNull(value); }
    /// <summary>The secret this answer was asked for, when the input was a secret.</summary>
    public string? SecretArn { get; init => field = OutputText.OfOrNull(value); }
    public DateTime? CreatedDate { get; init; }
    /// <summary><c>CloudFormationStack</c> (exact) or <c>LambdaLastModified</c> (only an upper bound of the creation).</summary>
    public required string CreatedDateSource { get; init => field = OutputText.Of(value); }
    public string? StackName { get; init => field = OutputText.OfOrNull(value); }
    public string? TemplateApplicationId { get; init => field = OutputText.OfOrNull(value); }
    public string? TemplateVersion { get; init => field = OutputText.OfOrNull(value); }
    /// <summary>True: set up before 2021-12-20; false: after; null: cannot tell.</summary>
    public bool? PredatesTlsSupport { get; init; }
    /// <summary>True: set up before 2021-12-30; false: after; null: cannot tell.</summary>
    public bool? PredatesScramSupport { get; init; }
    public IReadOnlyList<string> Evidence { get; init => field = Readable.Lines(OutputText.Lines(value)); } = Readable.Lines<string>([]);
}
