using System.Management.Automation;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Database;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// Test-RotationDatabaseLogin: logs into the database with each version of a secret, the way the rotation function would, and
/// names why a login fails.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "RotationDatabaseLogin", DefaultParameterSetName = SecretSet)]
[OutputType(typeof(DatabaseLoginResult), typeof(PostgresNonScramRole))]
public sealed class TestRotationDatabaseLoginCommand : SecretCmdlet
{
    private DatabaseProbeOptions? _options;
    private string[]? _stages;

    [Parameter]
    [ValidateSet("AWSCURRENT", "AWSPREVIOUS", "AWSPENDING")]
    public string[]? VersionStage { get; set; }

    [Parameter]
    [ValidateRange(1, 120)]
    public int TimeoutSeconds { get; set; } = 5;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CaCertificatePath { get; set; }

    [Parameter]
    public SwitchParameter IncludeUserAudit { get; set; }

    /// <summary>Also log in without verified TLS where the template would, answering only scram-sha-256 there.</summary>
    [Parameter]
    public SwitchParameter AllowPlaintextLogin { get; set; }

    protected override string Activity => "Logging into databases";

    protected override void OnBeginProcessing()
    {
        // ValidateSet ignores case; the stage labels themselves do not.
        _stages = VersionStage?.Select(s => s.ToUpperInvariant()).Distinct().ToArray();
        var options = new DatabaseProbeOptions
        {
            Timeout = TimeSpan.FromSeconds(TimeoutSeconds),
            TrustedCaCertificatePath = CaCertificatePath is null ? null : GetUnresolvedProviderPathFromPSPath(CaCertificatePath),
            AllowPlaintextLogin = AllowPlaintextLogin,
        };
        try
        {
            DatabaseLoginService.CreateProbe(options);
        }
        catch (TroubleshooterException e)
        {
            // A bad CA file would fail every login the same way: one terminating error instead.
            Output.Stop(e, CaCertificatePath);
        }

        _options = options;
        Output.Verbose($"Logging in from {DatabaseLoginProbe.Vantage}.");
    }

    protected override void OnProcessRecord() => AnswerEach(ForSecretAsync);

    private async Task<IEnumerable<object>> ForSecretAsync(AwsSession session, string secretId, CancellationToken stop)
    {
        var service = session.Get<DatabaseLoginService>();
        var options = _options!;
        var check = await service.ForSecretAsync(secretId, _stages, options, stop);
        var failures = check.Failures.ToDictionary(f => f.Stage, f => f.Error, StringComparer.Ordinal);
        // Written here, in stage order, so each stage's error sits where its result would be.
        foreach (var stage in DatabaseLoginService.Stages)
        {
            var result = check.Results.FirstOrDefault(r => r.Stage == stage);
            if (result is not null)
            {
                Messages.Post(() =>
                {
                    Output.Verbose($"{check.SecretName ?? check.SecretArn} {stage}: {result.Message}");
                    Output.Object(result);
                });
            }
            else if (failures.TryGetValue(stage, out var error))
            {
                Messages.Post(() => WriteFailure(error, secretId));
            }
        }

        if (IncludeUserAudit)
        {
            try
            {
                var roles = await service.AuditUsersAsync(secretId, options, stop);
                Messages.Post(() =>
                {
                    Output.Verbose($"User audit of {roles.Endpoint} as '{roles.AuditedAs}' (secret {roles.AuditedWithSecretArn}): " +
                                 $"{roles.Roles.Count} login role(s) without a SCRAM password.");
                    foreach (var role in roles.Roles) Output.Object(role);
                });
            }
            catch (TroubleshooterException e)
            {
                Messages.Post(() => WriteFailure(e, secretId));
            }
        }
        return [];
    }
}
