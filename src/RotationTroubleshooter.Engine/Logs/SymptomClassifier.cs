using System.Globalization;
using System.Text.RegularExpressions;

namespace RotationTroubleshooter.Logs;

/// <summary>
/// AWS's reading of a rotation function's logs (troubleshooting guide; docs/reference/rotation.md, "What the functions log"): which message or
/// duration means which cause, and what to change.
/// </summary>
internal static partial class SymptomClassifier
{
    /// <summary>Every template's database connect gives up after 5 s, so a login failure slower than this is the network.</summary>
    internal const double DatabaseConnectTimeoutMs = 5000;
    private const int MaxEvidenceChars = 300;

    private readonly record struct Diagnosis(string Symptom, List<string> Evidence, string? Remediation);

    public static RotationAttempt Conclude(RotationLogAnalyzer.AttemptBuilder attempt, string? functionName, DateTime asOf, TimeSpan runningWindow)
    {
        var invocations = attempt.Invocations;
        var last = invocations[^1];
        var start = invocations[0].StartTime;
        var end = invocations.Max(i => i.LastTime);
        var lastFailure = invocations.LastOrDefault(i => i.Status is InvocationStatus.Failed or InvocationStatus.TimedOut);
        RotationAttemptOutcome outcome;
        string? failedStep = null;
        Diagnosis? diagnosis;

        if (attempt.Finished)
        {
            outcome = RotationAttemptOutcome.Succeeded;
            var finish = last.StepSuccessRecord;
            diagnosis = new Diagnosis(RotationSymptoms.Succeeded.Id, finish is null ? [] : [Line(last, finish)], null);
        }
        else if (last.Status == InvocationStatus.Running || (last.Status is InvocationStatus.Succeeded or InvocationStatus.Unknown && asOf - end <= runningWindow))
        {
            outcome = RotationAttemptOutcome.InProgress;
            diagnosis = lastFailure is null ? null : Classify(lastFailure, attempt);
        }
        else if (last.Status is InvocationStatus.Failed or InvocationStatus.TimedOut)
        {
            outcome = last.Status == InvocationStatus.TimedOut ? RotationAttemptOutcome.TimedOut : RotationAttemptOutcome.Failed;
            failedStep = last.Step;
            diagnosis = Classify(last, attempt);
        }
        else
        {
            // Not finished, nothing running, and quiet for longer than any invocation can take: it stalled.
            outcome = RotationAttemptOutcome.Failed;
            failedStep = last.Status == InvocationStatus.Succeeded ? Invocation.NextStep(last.Step!) : last.Step;
            diagnosis = last.Step == Invocation.CreateSecret && last.Status == InvocationStatus.Succeeded
                ? Stalled(last)
                : Classify(last, attempt);
        }

        var steps = invocations.Select(ToStep).ToList();
        return new RotationAttempt(attempt.SecretArn, attempt.VersionId, functionName, start,
            outcome == RotationAttemptOutcome.InProgress ? null : end, outcome, failedStep, diagnosis?.Symptom,
            diagnosis?.Evidence ?? [], diagnosis?.Remediation, steps);
    }

    private static RotationStep ToStep(Invocation inv)
    {
        var lastRecord = inv.MeaningfulRecords.LastOrDefault() ?? inv.Records.LastOrDefault();
        string? error = inv.Status switch
        {
            InvocationStatus.TimedOut => inv.TimeoutRecord?.Text ?? $"Timed out after {Ms(inv.EffectiveDurationMs)} ms",
            InvocationStatus.Failed => (inv.UnhandledError ?? inv.LastErrorRecord) is { } err ? FirstLine(err.Text ?? err.Message)
                : inv.PlatformErrorType ?? $"The platform reported status '{inv.PlatformStatus}'",
            _ => null,
        };
        var outcome = inv.Status switch
        {
            InvocationStatus.Succeeded => RotationStepOutcome.Succeeded,
            InvocationStatus.Failed => RotationStepOutcome.Failed,
            InvocationStatus.TimedOut => RotationStepOutcome.TimedOut,
            InvocationStatus.Running => RotationStepOutcome.InProgress,
            _ => RotationStepOutcome.Unknown,
        };
        return new RotationStep(inv.Step!, inv.StepInferred, inv.RequestId, inv.StartTime, inv.EffectiveDurationMs, outcome,
            lastRecord is null ? null : FirstLine(lastRecord.Text ?? lastRecord.Message), error, inv.LogStreamName);
    }

    /// <summary>The rules, most specific message first; durations decide only where AWS's guide says they do.</summary>
    private static Diagnosis Classify(Invocation inv, RotationLogAnalyzer.AttemptBuilder attempt)
    {
        var import = Find(inv, "Runtime.ImportModuleError", "Unable to import module");
        if (import is not null || inv.PlatformErrorType == "Runtime.ImportModuleError")
        {
            var evidence = import is null ? [$"The platform reported Error Type: {inv.PlatformErrorType}"] : new List<string> { Line(inv, import) };
            var module = import is null ? null : ModuleName().Match(import.Text ?? import.Message) is { Success: true } m ? m.Groups[1].Value : null;
            return new Diagnosis(RotationSymptoms.FunctionImportError.Id, evidence,
                $"The deployment package lacks {(module is null ? "a module" : $"module '{module}'")}: redeploy the function from AWS's rotation template, or rebuild the package with its native driver built for the function's runtime and architecture.");
        }
        if (Find(inv, "Access to KMS is not allowed") is { } kms)
            return new Diagnosis(RotationSymptoms.KmsAccessDenied.Id, [Line(inv, kms)], RotationSymptoms.KmsAccessDenied.Remediation);
        if (Find(inv, "is not enabled for rotation") is { } notEnabled)
            return new Diagnosis(RotationSymptoms.RotationNotEnabledForSecret.Id, [Line(inv, notEnabled)], RotationSymptoms.RotationNotEnabledForSecret.Remediation);
        if (Find(inv, "not set as AWSPENDING for rotation", "has no stage for rotation") is { } notPending)
            return new Diagnosis(RotationSymptoms.RotatedVersionNotPending.Id, [Line(inv, notPending)], RotationSymptoms.RotatedVersionNotPending.Remediation);
        if (Find(inv, "previous rotation isn't complete") is { } pending)
            return new Diagnosis(RotationSymptoms.PendingVersionStuck.Id, [Line(inv, pending)],
                "A version is left with the AWSPENDING label: remove it (update-secret-version-stage --version-stage AWSPENDING --remove-from-version-id <id>), then rotate again.");
        if (Find(inv, "Database engine must be set to") is { } engine)
        {
            var expected = QuotedWord().Match(engine.Text ?? engine.Message) is { Success: true } e ? e.Groups[1].Value : null;
            return new Diagnosis(RotationSymptoms.EngineMismatch.Id, [Line(inv, engine)],
                $"Set the secret's \"engine\" key to {(expected is null ? "the value this template expects" : $"'{expected}'")}, or rotate it with the template for its database engine.");
        }
        if (FindKeyMissing(inv) is (var keyRecord, var key))
            return new Diagnosis(RotationSymptoms.SecretJsonKeyMissing.Id, [Line(inv, keyRecord)],
                $"Add the \"{key}\" key to the secret's JSON (AWSCURRENT); the templates need engine, host, username and password, and masterarn for multi-user rotation.");
        foreach (var (needles, symptom) in SelfExplainingMessages)
            if (Find(inv, needles) is { } message)
                return new Diagnosis(symptom.Id, [Line(inv, message)], symptom.Remediation);
        if (Find(inv, "Encountered API error while fetching connection parameters") is { } lookup)
            return new Diagnosis(RotationSymptoms.ConnectionParametersLookupFailed.Id, [Line(inv, lookup)],
                (lookup.Text ?? lookup.Message).Contains("NotFound", StringComparison.Ordinal)
                    ? MasterLookupNotFoundRemedy : RotationSymptoms.ConnectionParametersLookupFailed.Remediation);

        var scram = Find(inv, "SCRAM authentication requires libpq version 10");
        var tlsEnforced = Find(inv, "SSL/TLS is enforced on the host");
        var hostname = Find(inv, "Hostname verification failed", "does not match host name");
        // Logged by every login the template first tries over TLS against a server without it, healthy rotations too:
        // it explains a failure only when the secret forbids the fall-back to plain ("ssl": true).
        var noTls = Find(inv, "SSL/TLS is not enabled on the host", "check that SSL/TLS is enabled on the host");
        // The raised ValueError repeats the message without the "setSecret:" prefix.
        var setFailure = Find(inv, "setSecret: Unable to log into") ??
                         (inv.Step == Invocation.SetSecret ? Find(inv, "Unable to log into database", "Unable to log into rdsadmin database") : null);
        var testFailure = Find(inv, "testSecret: Unable to log into database");
        if (hostname is not null && (setFailure ?? testFailure) is { } refused)
            return new Diagnosis(RotationSymptoms.TlsHostnameMismatch.Id, [Line(inv, refused), Line(inv, hostname)],
                RotationSymptoms.TlsHostnameMismatch.Remediation);
        if (setFailure is not null)
        {
            var duration = inv.EffectiveDurationMs ?? (setFailure.Timestamp - inv.StartTime).TotalMilliseconds;
            var evidence = new List<string> { Line(inv, setFailure) };
            if (scram is not null) evidence.Add(Line(inv, scram));
            if (tlsEnforced is not null) evidence.Add(Line(inv, tlsEnforced));
            if (duration > DatabaseConnectTimeoutMs && scram is null)
            {
                evidence.Add($"setSecret ran {Ms(duration)} ms, over the templates' 5000 ms connect timeout: the database did not answer.");
                return new Diagnosis(RotationSymptoms.DatabaseUnreachable.Id, evidence, RotationSymptoms.DatabaseUnreachable.Remediation);
            }
            evidence.Add($"setSecret failed in {Ms(duration)} ms, under the 5000 ms connect timeout: something answered at once (a refused login or a refused connection).");
            return new Diagnosis(RotationSymptoms.DatabaseLoginRejected.Id, evidence, LoginRejectedRemedy(setFailure, scram, tlsEnforced, noTls, attempt.SecretArn));
        }
        if (testFailure is not null)
        {
            var evidence = new List<string> { Line(inv, testFailure) };
            if (tlsEnforced is not null) evidence.Add(Line(inv, tlsEnforced));
            return new Diagnosis(RotationSymptoms.TestSecretLoginFailed.Id, evidence,
                "setSecret changed the password but logging in with it failed: check the user's authentication rules (pg_hba.conf, require_secure_transport), the secret's host, port and dbname, and any replica lag.");
        }

        var meaningful = inv.MeaningfulRecords.ToList();
        if (inv.Status == InvocationStatus.TimedOut && meaningful.Count > 0 &&
            Invocation.StepOf(meaningful[^1].Text ?? meaningful[^1].Message) == Invocation.CreateSecret)
            return Stalled(inv, meaningful[^1]);
        var durationMs = inv.EffectiveDurationMs;
        var longTask = inv.Status == InvocationStatus.TimedOut || durationMs >= DatabaseConnectTimeoutMs;
        if (longTask && inv.Step is Invocation.SetSecret or Invocation.TestSecret)
        {
            var evidence = LastLines(inv, 3);
            evidence.Add($"{inv.Step}{(inv.StepInferred ? " (implied by the sequence)" : "")} {DescribeEnd(inv)} while logging in to the database.");
            return new Diagnosis(RotationSymptoms.DatabaseUnreachable.Id, evidence, RotationSymptoms.DatabaseUnreachable.Remediation);
        }
        if (longTask && meaningful.Count == 0)
        {
            var evidence = LastLines(inv, 2);
            evidence.Add($"Nothing was logged after \"{Invocation.FoundCredentials}\"; the invocation {DescribeEnd(inv)}.");
            return new Diagnosis(RotationSymptoms.TimeoutReachingSecretsManager.Id, evidence, RotationSymptoms.TimeoutReachingSecretsManager.Remediation);
        }
        var unknown = LastLines(inv, 5);
        if (inv.Status is InvocationStatus.Failed or InvocationStatus.TimedOut) unknown.Add($"{inv.Step} {DescribeEnd(inv)}.");
        return new Diagnosis(RotationSymptoms.Unknown.Id, unknown, RotationSymptoms.Unknown.Remediation);
    }

    /// <summary>
    /// Template messages that say what is wrong by themselves (docs/reference/template-log-strings.md), most specific
    /// first: "Attempting to modify user for host" before "Attempting to modify user".
    /// </summary>
    private static readonly (string[] Needles, FindingDefinition Symptom)[] SelfExplainingMessages =
    [
        (["Attempting to modify user for host", "Attempting to modify user for a DB", "Attempting to modify user for DB"], RotationSymptoms.PendingHostMismatch),
        (["Attempting to modify user"], RotationSymptoms.PendingUserMismatch),
        (["is not the same host as"], RotationSymptoms.MasterHostMismatch),
        (["appended would exceed"], RotationSymptoms.CloneUsernameTooLong),
        (["is not a valid DB Instance ARN", "is not a valid DB Cluster ARN", "but Redshift can't find"], RotationSymptoms.MasterDatabaseNotFound),
        (["Error encountered when attempting to set password"], RotationSymptoms.SetPasswordFailed),
    ];

    /// <summary>createSecret logged, then nothing: either no setSecret invocation followed, or the invocation timed out right after the line.</summary>
    private static Diagnosis Stalled(Invocation inv, LogEvent? createLine = null)
    {
        var evidence = new List<string>();
        if ((createLine ?? inv.StepSuccessRecord) is { } put) evidence.Add(Line(inv, put));
        evidence.Add(createLine is null ? "No setSecret invocation followed createSecret." : $"Nothing was logged after it; the invocation {DescribeEnd(inv)}.");
        return new Diagnosis(RotationSymptoms.StalledAfterCreateSecret.Id, evidence, RotationSymptoms.StalledAfterCreateSecret.Remediation);
    }

    // DescribeDBInstances by identifier fails for an unknown one: a host that is no RDS instance (the replica check runs
    // when the master secret names another host) or a tag naming a deleted database.
    private const string MasterLookupNotFoundRemedy =
        "RDS has no database by the identifier the template looked up: either the master secret (masterarn) names another host than this secret, and this secret's host is no RDS instance endpoint whose replica source could be checked, or the master secret's aws:rds:primaryDBInstanceArn / primaryDBClusterArn tag names a database that no longer exists. Make masterarn name the master secret of this secret's database, with the same host.";

    /// <summary>
    /// A fast failed login: the templates log the same line whatever refused it, so the remedy names every candidate
    /// unless the log itself confirms one (old libpq, TLS enforced).
    /// </summary>
    private static string LoginRejectedRemedy(LogEvent failure, LogEvent? scram, LogEvent? tlsEnforced, LogEvent? noTls, string? secretArn)
    {
        if (scram is not null)
            return "The function's bundled libpq is older than 10 and cannot do scram-sha-256: redeploy the rotation function from the current AWS template (see Test-LibpqScramSupport).";
        if (tlsEnforced is not null)
            return "The database requires TLS but the login did not use it: set \"ssl\": true in the secret, or redeploy a template version with SSL/TLS support.";
        var text = failure.Text ?? failure.Message;
        var whose = text.Contains("master secret", StringComparison.Ordinal) ? "the master secret's (masterarn)"
            : text.Contains("admin secret", StringComparison.Ordinal) ? "the admin secret's"
            : text.Contains("current credentials", StringComparison.Ordinal) ? "the secret's current (AWSCURRENT)"
            : "the secret's";
        var candidates = new List<string>
        {
            $"{whose} username or password does not match the database user",
            "nothing listens on the secret's host and port (the connection is refused)",
            "the database accepts this user only over TLS and the function connects without it (\"ssl\": false in the secret, or a template from before 2021-12-20)",
            "the database wants scram-sha-256 and the function's libpq is older than 10 (Test-LibpqScramSupport)",
        };
        if (noTls is not null) candidates.Add("the secret sets \"ssl\": true but the database offers no TLS (\"SSL/TLS is not enabled on the host\")");
        var probe = secretArn is null ? "Test-RotationDatabaseLogin" : $"Test-RotationDatabaseLogin -SecretId {secretArn}";
        return $"The function could not log in, and no connect waited for its timeout. One of: {string.Join("; ", candidates)}. {probe}, run from the function's network, tells them apart.";
    }

    private static (LogEvent Record, string Key)? FindKeyMissing(Invocation inv)
    {
        foreach (var r in inv.Records)
        {
            var text = r.Text ?? r.Message;
            var at = text.IndexOf(" key is missing from secret JSON", StringComparison.Ordinal);
            if (at > 0)
            {
                var head = text.AsSpan(0, at).TrimEnd();
                var wordStart = head.LastIndexOfAny(' ', '\'', '"') + 1;
                return (r, head[wordStart..].ToString());
            }
            // A multi-user template reads masterarn without a check: a bare "KeyError: 'masterarn'".
            if ((r.ErrorType == "KeyError" || text.StartsWith("KeyError:", StringComparison.Ordinal)) &&
                BareKeyError().Match(text) is { Success: true } m)
                return (r, m.Groups[1].Value);
        }
        return null;
    }

    private static LogEvent? Find(Invocation inv, params string[] needles)
    {
        foreach (var r in inv.Records)
        {
            var text = r.Text ?? r.Message;
            foreach (var needle in needles)
                if (text.Contains(needle, StringComparison.Ordinal)) return r;
        }
        return null;
    }

    private static List<string> LastLines(Invocation inv, int count)
    {
        var records = inv.Records;
        return records.Skip(Math.Max(0, records.Count - count)).Select(r => Line(inv, r)).ToList();
    }

    private static string DescribeEnd(Invocation inv) => inv.Status switch
    {
        InvocationStatus.TimedOut => $"timed out after {Ms(inv.EffectiveDurationMs)} ms",
        InvocationStatus.Failed => $"failed after {Ms(inv.EffectiveDurationMs)} ms",
        _ => $"ran {Ms(inv.EffectiveDurationMs)} ms",
    };

    /// <summary>"time step request: message", first line only, bounded; the message is already redacted.</summary>
    private static string Line(Invocation inv, LogEvent e)
    {
        var text = FirstLine(e.Text ?? e.Message);
        var id = inv.RequestId is { Length: >= 8 } r ? r[..8] : "-";
        return $"{e.Timestamp.ToString("yyyy-MM-ddTHH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)} {inv.Step} {id}: {text}";
    }

    private static string FirstLine(string text)
    {
        var newline = text.IndexOfAny(['\n', '\r']);
        var line = newline < 0 ? text : text[..newline];
        return line.Length <= MaxEvidenceChars ? line : line[..MaxEvidenceChars] + "…";
    }

    private static string Ms(double? ms) => ms is { } v ? v.ToString("0", CultureInfo.InvariantCulture) : "an unknown number of";

    [GeneratedRegex(@"No module named '([^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex ModuleName();

    [GeneratedRegex(@"'([^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex QuotedWord();

    [GeneratedRegex(@"KeyError:\s*'([A-Za-z0-9_]+)'", RegexOptions.CultureInvariant)]
    private static partial Regex BareKeyError();
}
