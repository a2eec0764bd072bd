using RotationTroubleshooter.Text;

namespace RotationTroubleshooter;

public enum RotationAttemptOutcome : long { Succeeded, Failed, TimedOut, InProgress } // long: ConvertTo-Json writes it by name (see FindingSeverity)

public enum RotationStepOutcome : long { Succeeded, Failed, TimedOut, InProgress, Unknown } // long: ConvertTo-Json writes it by name (see FindingSeverity)

/// <summary>One invocation of the rotation function within an attempt (retries of a step are separate steps). Text cleaned as given (OutputText).</summary>
public sealed class RotationStep
{
    internal RotationStep(string step, bool stepInferred, string? requestId, DateTime startTime, double? durationMs,
        RotationStepOutcome outcome, string? lastMessage, string? error, string? logStreamName)
    {
        Step = OutputText.Of(step);
        StepInferred = stepInferred;
        RequestId = OutputText.OfOrNull(requestId);
        StartTime = startTime;
        DurationMs = durationMs;
        Outcome = outcome;
        LastMessage = OutputText.OfOrNull(lastMessage);
        Error = OutputText.OfOrNull(error);
        LogStreamName = OutputText.OfOrNull(logStreamName);
    }

    /// <summary><c>createSecret</c>, <c>setSecret</c>, <c>testSecret</c> or <c>finishSecret</c>.</summary>
    public string Step { get; }
    /// <summary>True when the invocation logged no step message and its step follows from the sequence.</summary>
    public bool StepInferred { get; }
    public string? RequestId { get; }
    public DateTime StartTime { get; }
    /// <summary>From REPORT / platform.report (or the timeout); null when the platform did not report it.</summary>
    public double? DurationMs { get; }
    public RotationStepOutcome Outcome { get; }
    /// <summary>The last thing the function itself logged (first line), password values redacted.</summary>
    public string? LastMessage { get; }
    /// <summary>The error the invocation ended with (exception, error record, or the timeout line).</summary>
    public string? Error { get; }
    public string? LogStreamName { get; }

    public override string ToString() => $"{Step} {Outcome}";
}

/// <summary>One rotation of one secret version, createSecret through finishSecret, rebuilt from the function's logs. Text cleaned as given (OutputText).</summary>
public sealed class RotationAttempt
{
    internal RotationAttempt(string? secretArn, string? versionId, string? functionName, DateTime startTime, DateTime? endTime,
        RotationAttemptOutcome outcome, string? failedStep, string? symptom, IReadOnlyList<string> evidence, string? remediation,
        IReadOnlyList<RotationStep> steps)
    {
        SecretArn = OutputText.OfOrNull(secretArn);
        VersionId = OutputText.OfOrNull(versionId);
        FunctionName = OutputText.OfOrNull(functionName);
        StartTime = startTime;
        EndTime = endTime;
        Outcome = outcome;
        FailedStep = OutputText.OfOrNull(failedStep);
        Symptom = OutputText.IdOrNull(symptom);
        Evidence = Readable.Lines(OutputText.Lines(evidence));
        Remediation = OutputText.OfOrNull(remediation);
        Steps = Readable.Items(steps);
    }

    /// <summary>The secret the messages name; null when the function logged nothing that names it.</summary>
    public string? SecretArn { get; }
    /// <summary>The secret's name, read from <see cref="SecretArn"/>.</summary>
    public string? SecretName => Aws.AwsArn.SecretNameOf(SecretArn);
    /// <summary>The version id (ClientRequestToken) the messages name, when they do.</summary>
    public string? VersionId { get; }
    public string? FunctionName { get; }
    public DateTime StartTime { get; }
    /// <summary>When the last step ended; null while in progress.</summary>
    public DateTime? EndTime { get; }
    public TimeSpan? Duration => EndTime is { } end ? end - StartTime : null;
    public RotationAttemptOutcome Outcome { get; }
    /// <summary>The step that failed or timed out (for a stalled attempt, the step that never completed).</summary>
    public string? FailedStep { get; }
    /// <summary>A symptom id (Logs.RotationSymptoms, a finding id of Test-SecretRotation); null for an attempt in progress with no failure yet.</summary>
    public string? Symptom { get; }
    /// <summary>The log lines and measurements the symptom rests on; password values redacted.</summary>
    public IReadOnlyList<string> Evidence { get; }
    /// <summary>What to change, one line.</summary>
    public string? Remediation { get; }
    public IReadOnlyList<RotationStep> Steps { get; }

    public override string ToString() => $"{StartTime:u} {Outcome} {FailedStep} {Symptom}";
}
