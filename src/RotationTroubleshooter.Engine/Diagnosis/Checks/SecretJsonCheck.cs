using RotationTroubleshooter.Aws;
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

    public override string Id => RotationSymptoms.SecretJsonKeyMissing.Id;
    public override string Description => "the `AWSCURRENT` value has the keys and engine the function's template needs, and a multi-user template's master secret exists (key names only; `-SkipSecretValue` skips it)";
    public override CheckArea Area => CheckArea.SecretValue;
    public override IReadOnlyList<FindingDefinition> Findings { get; } =
        [SecretNotJson, RotationSymptoms.SecretJsonKeyMissing, RotationSymptoms.EngineMismatch, MasterSecretUnreadable];
    public override IReadOnlyList<string> Permissions { get; } = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "lambda:GetFunction"];
    public override bool AppliesTo(DiagnosisContext context) => base.AppliesTo(context) && !context.Options.SkipSecretValue;

    public override async Task RunAsync(DiagnosisContext context, CancellationToken cancellation)
    {
        if (await context.SecretValueAsync(cancellation).ConfigureAwait(false) is not { } value) return;
        if (value.NotJsonReason is { } notJson)
        {
            context.Add(this, SecretNotJson.Raise([$"AWSCURRENT ({value.VersionId}): {notJson}"]));
            return;
        }
        var keys = value.KeyNames!;
        var engine = value.GetPublicValue("engine");
        var function = await context.FunctionAsync(cancellation).ConfigureAwait(false);
        var template = RotationTemplates.Identify(function, engine);
        if (template is null) return;
        var missing = template.RequiredKeys.Where(k => !keys.Contains(k, StringComparer.Ordinal)).ToList();
        if (missing.Count > 0)
            context.Add(this, RotationSymptoms.SecretJsonKeyMissing.Raise(
                [$"Template identified by {template.IdentifiedBy}", $"Keys present: {string.Join(", ", keys)}", .. missing.Select(k => $"'{k} key is missing from secret JSON'")],
                $"The secret's JSON lacks {string.Join(", ", missing)}, which the {template.Name}{(template.MultiUser ? " multi-user" : "")} template needs.",
                $"Add {string.Join(", ", missing)} to the secret's JSON (keep the other keys)."));
        if (engine != null && !template.Accepts(engine))
            context.Add(this, RotationSymptoms.EngineMismatch.Raise(
                [$"Template identified by {template.IdentifiedBy}", $"The template accepts engine {string.Join(" or ", template.EngineValues)}"],
                $"The secret says engine '{engine}', but its rotation function is the {template.Name} template.",
                $"Set engine to {template.EngineValues[0]} if the database is {template.Name}, or rotate with the template for {engine}."));
        if (template.MultiUser && value.GetPublicValue("masterarn") is { Length: > 0 } masterArn)
        {
            try
            {
                await context.OtherSecretAsync(masterArn, cancellation).ConfigureAwait(false);
            }
            catch (TroubleshooterException e) when (e.ErrorId is ErrorIds.SecretNotFound or ErrorIds.InvalidArn || e is AwsServiceException { Kind: AwsErrorKind.AccessDenied })
            {
                context.Add(this, MasterSecretUnreadable.Raise([$"masterarn={masterArn}", e.Message]));
            }
        }
    }
}
