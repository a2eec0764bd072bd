using RotationTroubleshooter.Diagnosis.Checks;
using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Logs;
using RotationTroubleshooter.Tests.Logs;

namespace RotationTroubleshooter.Tests.Diagnosis;

/// <summary>
/// Each real report in Reports/ (named by its URL, quoting its reporter's message) as Test-SecretRotation meets it: the
/// quoted lines in a failed setSecret as Lambda logs them, the logs read, and the cause its thread settled on weighed
/// (never ruled out; confirmed where the words alone decide it).
/// </summary>
public class RealReportCauseTests
{
    public static TheoryData<string> Reports() => DriverVocabularyTests.Reports();

    [Theory, MemberData(nameof(Reports))]
    public void Each_real_report_is_weighed_toward_the_cause_its_thread_settled_on(string name)
    {
        var report = DriverVocabularyTests.Load(name);
        var f = new DiagnosisFixture();
        var t = new Transcript(LambdaLogFormat.Text);
        t.Invoke(300, InvocationEnd.Success, [Transcript.Put(DiagnosisFixture.SecretArn, "v1")]);
        // The reporter's last line is the exception the invocation ended with; the ones before it were logged on the way.
        t.Invoke(300, InvocationEnd.Error, [.. report.Quoted[..^1].Select(q => "!" + q)], unhandled: Unhandled(report.Quoted[^1]));
        f.Given(FunctionInputs.LatestAttempt, RotationLogAnalyzer.Analyze(t.Events, "rotate", asOf: t.Clock.AddHours(1)).Last());

        var d = f.Diagnose(typeof(LastRotationAttemptCheck));

        Assert.True(d.Symptom is not (null or "Unknown"), $"{report.Url}: \"{report.Quoted[0]}\" was read as {d.Symptom ?? "nothing"}");
        if (report.Cause is null) return;
        var cause = d.Causes.SingleOrDefault(c => c.Id == report.Cause);
        Assert.True(cause is { Verdict: not CauseVerdict.RuledOut },
            $"{report.Url}: the thread settled on {report.Cause}; the diagnosis ({d.Symptom}) weighs {string.Join(", ", d.Causes.Select(c => c.ToString()))}");
        var words = DriverVocabulary.Find(report.Quoted, report.DatabaseEngine);
        if (words.Any(w => w.Message.Causes.Count == 1 && w.Message.Causes[0].Id == report.Cause))
            Assert.True(cause!.Verdict == CauseVerdict.Confirmed, $"{report.Url}: its words name {report.Cause} alone, and the diagnosis finds it {cause.Verdict}");
    }

    /// <summary>"[ERROR] Runtime.ImportModuleError: text" as the runtime writes it; a bare message as the exception it was raised as.</summary>
    private static string Unhandled(string quoted)
    {
        var line = quoted.StartsWith("[ERROR] ", StringComparison.Ordinal) ? quoted[8..] : quoted;
        var colon = line.IndexOf(": ", StringComparison.Ordinal);
        return colon > 0 && !line[..colon].Contains(' ') ? line : "Exception: " + line;
    }
}
