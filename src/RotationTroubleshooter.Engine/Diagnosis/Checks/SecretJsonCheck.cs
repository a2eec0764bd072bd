using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>
/// The secret's JSON has the keys and engine the function's template needs (key names only; values never leave the
/// engine), and a multi-user template's master secret can be read.
/// </summary>
internal sealed class SecretJsonCheck : RotationCheck
{
    public static readonly FindingDefinition SecretNotJson = new(nameof(SecretNotJson), FindingSeverity.Error,
        "The secret's value is not a JSON object; the rotation templates need one.",
        "Store the credentials as JSON with the keys the template needs, e.g. {\"engine\":...,\"host\":...,\"username\":...,\"password\":...}.",
        AwsDocs.RotationTemplates);

    public static readonly FindingDefinition MasterSecretUnreadable = new(nameof(MasterSecretUnreadable), FindingSeverity.Error,
        "The multi-user template cannot read the master secret named by masterarn.",
        "Point masterarn at the master secret's ARN, and let the function's role call secretsmanager:GetSecretValue on it.",
        AwsDocs.RotationTemplates);

    public override string Description => "the `AWSCURRENT` value has the keys and engine the function's template needs, and a multi-user template's master secret exists (key names only; `-SkipSecretValue` skips it)";
    public override CheckArea Area => CheckArea.SecretValue;
    public override IReadOnlyList<FindingDefinition> Findings { get; } =
        [SecretNotJson, RotationSymptoms.SecretJsonKeyMissing, RotationSymptoms.EngineMismatch, MasterSecretUnreadable];
    public override IReadOnlyList<Input> Inputs { get; } = [SecretInputs.CurrentValue, FunctionInputs.TemplateFit, SecretInputs.Description];

    public override async Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        if (await context.GetAsync(SecretInputs.CurrentValue, cancellation).ConfigureAwait(false) is not { } value) return;
        if (value.NotJsonReason is { } notJson)
        {
            context.Add(SecretNotJson.Raise([$"AWSCURRENT ({value.VersionId}): {notJson}"]));
            return;
        }
        if (await context.GetAsync(FunctionInputs.TemplateFit, cancellation).ConfigureAwait(false) is not { Template: var template } fit) return;
        if (fit.MissingKeys.Count > 0)
            context.Add(RotationSymptoms.SecretJsonKeyMissing.Raise(
                [$"Template identified by {template.IdentifiedBy}", $"Keys present: {string.Join(", ", fit.KeyNames)}", .. fit.MissingKeys.Select(k => $"'{k} key is missing from secret JSON'")],
                $"The secret's JSON lacks {string.Join(", ", fit.MissingKeys)}, which the {template.Name}{(template.MultiUser ? " multi-user" : "")} template needs.",
                $"Add {string.Join(", ", fit.MissingKeys)} to the secret's JSON (keep the other keys)."));
        if (!fit.EngineAccepted)
            context.Add(RotationSymptoms.EngineMismatch.Raise(
                [$"Template identified by {template.IdentifiedBy}", $"The template accepts engine {string.Join(" or ", template.EngineValues)}"],
                $"The secret says engine '{fit.Engine}', but its rotation function is the {template.Name} template.",
                $"Set engine to {template.EngineValues[0]} if the database is {template.Name}, or rotate with the template for {fit.Engine}."));
        if (template.MultiUser && value.GetPublicValue("masterarn") is { Length: > 0 } masterArn)
        {
            try
            {
                await context.GetAsync(SecretInputs.Description, AwsArn.CheckSecretId(masterArn), cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (Unreadable(e) is { } why)
            {
                context.Add(MasterSecretUnreadable.Raise([$"masterarn={masterArn}", why.Message]));
            }
        }
    }

    /// <summary>What makes a master secret unreadable for the template too: it is missing, its ARN is malformed, or it is denied.</summary>
    private static TroubleshooterException? Unreadable(Exception e) =>
        (e is EvidenceUnavailableException unavailable ? unavailable.Failure : e) is TroubleshooterException t
        && (t.ErrorId is ErrorIds.SecretNotFound or ErrorIds.InvalidArn || t is AwsServiceException { Kind: AwsErrorKind.AccessDenied }) ? t : null;
}
