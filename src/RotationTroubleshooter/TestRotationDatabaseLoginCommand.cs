using System.Management.Automation;
using RotationTroubleshooter.Database;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// Test-RotationDatabaseLogin: logs into the database with each version of a secret, the way the rotation function would, and
/// names why a login fails.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "RotationDatabaseLogin")]
[OutputType(typeof(DatabaseLoginResult), typeof(PostgresNonScramRole))]
public sealed class TestRotationDatabaseLoginCommand : ConcurrentAwsCmdlet
{
    private DatabaseProbeOptions? _options;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ARN")]
    [ValidateNotNullOrEmpty]
    public string[] SecretId { get; set; } = [];

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

    protected override string Activity => "Logging into databases";

    protected override void BeginProcessing()
    {
        var options = new DatabaseProbeOptions
        {
            Timeout = TimeSpan.FromSeconds(TimeoutSeconds),
            TrustedCaCertificatePath = CaCertificatePath is null ? null : GetUnresolvedProviderPathFromPSPath(CaCertificatePath),
        };
        try
        {
            DatabaseLoginService.CreateProbe(options);
        }
        catch (TroubleshooterException e)
        {
            // A bad CA file would fail every login the same way: one terminating error instead.
            ThrowTerminatingError(ToErrorRecord(e, CaCertificatePath));
        }

        _options = options;
        WriteVerbose($"Logging in from {DatabaseLoginProbe.Vantage}.");
    }

    protected override void ProcessRecord()
    {
        // ValidateSet ignores case; the stage labels themselves do not.
        var stages = VersionStage?.Select(s => s.ToUpperInvariant()).Distinct().ToArray();
        foreach (var id in SecretId)
        {
            if (!TryGetSession(id, out var session)) continue;
            var service = session.Get<DatabaseLoginService>();
            var options = _options!;
            var audit = IncludeUserAudit.IsPresent;
            Enqueue(id, async stopToken =>
            {
                var check = await service.ForSecretAsync(id, stages, options, stopToken);
                var failures = check.Failures.ToDictionary(f => f.Stage, f => f.Error, StringComparer.Ordinal);
                // Written here, in stage order, so each stage's error sits where its result would be.
                foreach (var stage in DatabaseLoginService.Stages)
                {
                    var result = check.Results.FirstOrDefault(r => r.Stage == stage);
                    if (result is not null)
                    {
                        Messages.Post(() =>
                        {
                            WriteVerbose($"{check.SecretName ?? check.SecretArn} {stage}: {result.Message}");
                            WriteObject(result);
                        });
                    }
                    else if (failures.TryGetValue(stage, out var error))
                    {
                        Messages.Post(() => WriteFailure(error, id));
                    }
                }

                if (audit)
                {
                    try
                    {
                        var roles = await service.AuditUsersAsync(id, options, stopToken);
                        Messages.Post(() =>
                        {
                            WriteVerbose($"User audit of {roles.Endpoint} as '{roles.AuditedAs}' (secret {roles.AuditedWithSecretArn}): " +
                                         $"{roles.Roles.Count} login role(s) without a SCRAM password.");
                            foreach (var role in roles.Roles) WriteObject(role);
                        });
                    }
                    catch (TroubleshooterException e)
                    {
                        Messages.Post(() => WriteFailure(e, id));
                    }
                }

                return [];
            });
        }
    }
}
