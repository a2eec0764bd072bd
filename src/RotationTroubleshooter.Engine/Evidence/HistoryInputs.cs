using RotationTroubleshooter.History;

namespace RotationTroubleshooter.Evidence;

/// <summary>What CloudTrail says happened to a secret's rotation and to what it depends on (docs/reference/cloudtrail.md).</summary>
public static class HistoryInputs
{
    /// <summary>How far back a diagnosis reads: long enough for the change before a failure streak the 7 days of logs show.</summary>
    public const int DiagnosisDays = 30;

    /// <summary>
    /// The secret's timeline of the last 30 days: each resource (the secret, its function, the network path's security groups,
    /// network ACLs and route tables, its key, its database) looked up once per run and shared by every secret that depends on it, inside the rate limiter
    /// (<see cref="CloudTrailHistory"/>). Read only where it can decide something: after a failed rotation, or for a
    /// secret whose rotation is off while a function is configured (2 requests per second per account allow no more).
    /// </summary>
    public static readonly SharedInput<HistoryQuestion, IReadOnlyList<RotationHistoryEvent>> Timeline = new()
    {
        Id = "RotationHistory",
        Description = "the rotation's history of the last 30 days from CloudTrail",
        Permissions = ["cloudtrail:LookupEvents"],
        SharedBy = InputScope.Secret,
        DependsOn = [FunctionInputs.LatestAttempt],
        KeyAsync = async (reader, cancellation) =>
        {
            if (string.IsNullOrEmpty(reader.Secret.RotationLambdaARN)) return null;
            var question = new HistoryQuestion(reader.SecretArn, ReadsValue: !reader.Options.SkipSecretValue);
            if (reader.Secret.RotationEnabled != true) return question;
            var attempt = await reader.TryGetAsync(FunctionInputs.LatestAttempt, cancellation).ConfigureAwait(false);
            return attempt?.Outcome is RotationAttemptOutcome.Failed or RotationAttemptOutcome.TimedOut ? question : null;
        },
        Fetch = async (session, question, cancellation) => (await session.Get<RotationHistoryService>()
            .ForSecretAsync(question.SecretArn, DiagnosisDays, false, question.ReadsValue, cancellation, runLogs: true).ConfigureAwait(false)).Events,
    };
}

/// <summary>The history question of one secret: whether its value may be read for its database's host.</summary>
public sealed record HistoryQuestion(string SecretArn, bool ReadsValue);
