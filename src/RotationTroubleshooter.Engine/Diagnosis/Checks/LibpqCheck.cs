using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>PostgreSQL functions: the bundled libpq can do scram-sha-256, as Test-LibpqScramSupport reads it.</summary>
internal sealed class LibpqCheck : RotationCheck
{
    public static readonly FindingDefinition LibpqLacksScram = new(nameof(LibpqLacksScram), FindingSeverity.Warning,
        "The function bundles a libpq that cannot log in with scram-sha-256; against a database that asks for SCRAM, rotation fails " +
        "with \"SCRAM authentication requires libpq version 10 or above\".",
        "Redeploy the rotation function from the current AWS template (its libpq supports SCRAM), or keep the database user on md5.",
        AwsDocs.RotationTroubleshooting);

    public override string Description => "PostgreSQL functions: the bundled libpq can do scram-sha-256, as `Test-LibpqScramSupport` reads it";
    public override CheckArea Area => CheckArea.Bundle;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = [LibpqLacksScram];
    public override IReadOnlyList<Input> Inputs { get; } = [FunctionInputs.Bundle];

    public override async Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        foreach (var report in await context.GetAsync(FunctionInputs.Bundle, cancellation).ConfigureAwait(false) ?? [])
            if (report.SupportsScramSha256 == false)
                context.Add(LibpqLacksScram.Raise([$"{report.Path} ({report.Driver})", .. report.Evidence.Take(4)],
                    $"The function bundles a libpq{(report.LibpqMajorVersion is { } v ? $" {v}" : "")} that cannot log in with scram-sha-256; " +
                    "against a database that asks for SCRAM, rotation fails with \"SCRAM authentication requires libpq version 10 or above\"."));
    }
}
