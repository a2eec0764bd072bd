using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Report;

namespace RotationTroubleshooter.Tests.Report;

/// <summary>
/// Export-RotationReport's page, from diagnoses made here: text from a diagnosis never becomes markup, the page loads
/// and runs nothing, the summary counts what it says it counts. The page in a real browser: tests/Pester/ExportRotationReport.Tests.ps1.
/// </summary>
public sealed class RotationReportTests
{
    /// <summary>What an attacker can get into a log line or an AWS string: markup, an event handler, escape sequences, a bidi override.</summary>
    private const string Hostile = "<script>alert(1)</script><img src=x onerror=\"alert(2)\"><a href=\"javascript:alert(3)\">x</a>\u001b]0;owned\u0007\u009b1m\u202e";

    private static Finding Finding(string id, FindingSeverity severity, string message = "m", string? helpUri = null, params string[] evidence) =>
        new(id, severity, message, evidence, "do this", helpUri);

    private static RotationDiagnosis Diagnosis(string name, RotationStatus status, string account = "123456789012", string region = "us-east-1",
        IReadOnlyList<Finding>? findings = null, string? cause = null, IReadOnlyList<CauseAssessment>? causes = null) => new()
    {
        SecretArn = $"arn:aws:secretsmanager:{region}:{account}:secret:{name}-AbCdEf",
        Name = name,
        Status = status,
        RotationEnabled = true,
        RotationFunctionArn = $"arn:aws:lambda:{region}:{account}:function:rotate-{name.Replace('/', '-')}",
        Findings = findings ?? [],
        Cause = cause,
        Causes = causes ?? [],
    };

    private static string Render(IEnumerable<RotationDiagnosis> diagnoses, string title = ReportOptions.DefaultTitle)
    {
        var page = new StringWriter();
        RotationReport.Write(page, ReportData.From(diagnoses), new ReportOptions { Title = title, GeneratedAt = new DateTime(2026, 12, 7, 9, 30, 0, DateTimeKind.Utc) });
        return page.ToString();
    }

    [Fact]
    public void Text_from_a_diagnosis_shows_as_text_and_never_becomes_markup()
    {
        var definition = new FindingDefinition("DatabaseLoginRejected", FindingSeverity.Error, "summary " + Hostile, "fix " + Hostile, "javascript:alert(4)");
        var hostile = new RotationDiagnosis
        {
            SecretArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:x" + Hostile,
            Name = "name" + Hostile,
            AccountId = "acct" + Hostile,
            Region = "region" + Hostile,
            Status = RotationStatus.Failing,
            RotationFunctionArn = "arn:aws:lambda:us-east-1:123456789012:function:f" + Hostile,
            OwningService = Hostile,
            Findings = [new("Unknown" + Hostile, FindingSeverity.Error, "message " + Hostile, ["log line " + Hostile, "second\nline"], "remedy " + Hostile, "javascript:alert(5)")],
            Symptom = "DatabaseLoginRejected" + Hostile,
            Causes = [new CauseAssessment(definition, CauseVerdict.Undetermined, ["evidence " + Hostile], "Test-Thing " + Hostile)],
        };

        var html = Render([hostile], "title " + Hostile);

        // The page's own markup has no script, image, frame or event handler; what the data said is there, as text.
        Assert.DoesNotMatch(new Regex("<(script|img|iframe|object|embed|link|a href=\"javascript)", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(new Regex(@"<[^>]*\son\w+\s*=", RegexOptions.IgnoreCase), html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;", html);
        Assert.DoesNotContain(html, c => c is '\u001b' or '\u0007' or '\u009b' or '\u202e');
        Assert.Contains("␛]0;owned␇\\u009b1m\\u202e", html);
        // A link is made only of an https URL; anything else is shown as text.
        Assert.DoesNotContain("href=\"javascript", html, StringComparison.OrdinalIgnoreCase);
        // Every field is shown, each encoded.
        var encoded = Html.Text(Hostile);
        foreach (var field in new[] { "title ", "name", "acct", "region", "\">f", "Unknown", "message ", "log line ", "remedy ", "summary ", "evidence ", "Test-Thing " })
            Assert.Contains(field + encoded, html);
    }

    [Fact]
    public void The_page_loads_nothing_and_runs_nothing_and_its_policy_allows_exactly_its_own_style()
    {
        var html = Render([Diagnosis("app/db", RotationStatus.Healthy)]);

        var style = Regex.Match(html, "<style>(.*?)</style>", RegexOptions.Singleline).Groups[1].Value;
        var policy = Regex.Match(html, "<meta http-equiv=\"Content-Security-Policy\" content=\"([^\"]+)\">").Groups[1].Value;
        var hash = "'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(style))) + "'";
        Assert.Contains($"style-src {hash};", policy);
        Assert.StartsWith("default-src 'none';", policy);
        Assert.Contains("script-src 'none'", policy);
        Assert.True(html.IndexOf("Content-Security-Policy", StringComparison.Ordinal) < html.IndexOf("<style>", StringComparison.Ordinal), "the policy comes before the style it allows");
        Assert.DoesNotContain(" style=", html);
        Assert.DoesNotMatch(new Regex(@"<script|<link|@import|url\((?!#)|src=", RegexOptions.IgnoreCase), html);
    }

    [Fact]
    public void The_summary_counts_by_status_cause_and_shard_and_the_chart_has_a_bar_per_shard()
    {
        var loginRejected = new FindingDefinition("DatabaseLoginRejected", FindingSeverity.Error, "s", "r", "https://docs.aws.amazon.com/x");
        var sgBlocks = new FindingDefinition("DatabaseSecurityGroupBlocksFunction", FindingSeverity.Error, "The database's security groups block it.", "r", "https://docs.aws.amazon.com/y");
        var diagnoses = new[]
        {
            Diagnosis("a/1", RotationStatus.Failing, findings: [Finding("DatabaseUnreachable", FindingSeverity.Error)],
                cause: "DatabaseSecurityGroupBlocksFunction", causes: [new CauseAssessment(sgBlocks, CauseVerdict.Confirmed, ["sg-1 has no rule"])]),
            Diagnosis("a/2", RotationStatus.Failing, findings: [Finding("PendingVersionStuck", FindingSeverity.Error)]),
            Diagnosis("a/3", RotationStatus.Healthy),
            Diagnosis("b/1", RotationStatus.Warning, account: "210987654321", region: "eu-west-1", findings: [Finding("FunctionRuntimeDeprecated", FindingSeverity.Warning)]),
            Diagnosis("b/2", RotationStatus.Failing, account: "210987654321", region: "eu-west-1", findings: [Finding("PendingVersionStuck", FindingSeverity.Error)],
                causes: [new CauseAssessment(loginRejected, CauseVerdict.Undetermined, ["only a login tells"], "Test-RotationDatabaseLogin -SecretId 'b/2'")]),
            Diagnosis("a/2", RotationStatus.Healthy), // the same secret again (another run): the later diagnosis counts
            new RotationDiagnosis { SecretArn = "orphan", Name = "orphan", Status = RotationStatus.Unknown },
        };

        var data = ReportData.From(diagnoses);

        Assert.Equal(["a/2"], data.Duplicates);
        Assert.Equal(6, data.Secrets.Count);
        Assert.Equal([2, 1, 1, 0, 2], ReportData.StatusOrder.Select(data.Count));
        // Shards: known accounts in order, the unknown last; the secrets of each in the order they came.
        Assert.Equal(["123456789012 us-east-1", "210987654321 eu-west-1", "(account not known) (region not known)"], data.Shards.Select(s => s.Shard.ToString()));
        Assert.Equal(["a/1", "a/2", "a/3"], data.Shards[0].Secrets.Select(s => s.Name));
        Assert.Equal(RotationStatus.Healthy, data.Shards[0].Secrets[1].Status);
        // By cause: the confirmed cause, else the first error or warning finding; the worst first.
        Assert.Equal(["DatabaseSecurityGroupBlocksFunction True 1", "PendingVersionStuck False 1", "FunctionRuntimeDeprecated False 1"],
            data.ByCause.Select(c => $"{c.Problem.Id} {c.Problem.Confirmed} {c.Secrets}"));
        Assert.Equal("The database's security groups block it.", data.ByCause[0].Problem.Meaning);

        var html = Render(diagnoses);
        Assert.Equal(3, Regex.Matches(html, "<g class=\"bar\">").Count);
        Assert.Equal(2, Regex.Matches(html, "<rect class=\"st-failing\"").Count); // a segment per shard with failing secrets
        Assert.Contains("<title>210987654321 eu-west-1: 1 Warning</title>", html);
        Assert.Contains("6 secrets in 3 accounts and 3 regions; 4 secrets need attention.", html);
        // The undetermined cause's command and the confirmed cause's evidence are in the secrets' cards.
        Assert.Contains("<code class=\"cmd\">Test-RotationDatabaseLogin -SecretId &#x27;b/2&#x27;</code>", html);
        Assert.Contains("<pre>sg-1 has no rule</pre>", html);
    }

    [Fact]
    public void A_fleet_of_many_shards_charts_the_forty_with_the_most_to_fix_and_tables_them_all()
    {
        var diagnoses = Enumerable.Range(0, 60).Select(i =>
            Diagnosis($"s/{i}", i % 20 == 7 ? RotationStatus.Failing : RotationStatus.Healthy, account: $"{100000000000 + i}"));

        var html = Render(diagnoses);

        Assert.Equal(StatusChart.MaxBars, Regex.Matches(html, "<g class=\"bar\">").Count);
        Assert.Equal(3, Regex.Matches(html, "<rect class=\"st-failing\"").Count);
        Assert.Contains("the 40 of 60 accounts and regions with the most to fix", html);
        Assert.Equal(60, Regex.Matches(html, "<tr><td class=\"id nowrap\">1000000000").Count);
    }

    [Theory]
    [InlineData("arn:aws:secretsmanager:eu-west-1:210987654321:secret:prod/db-AbCdEf", "210987654321", "eu-west-1")]
    [InlineData("arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:a:b-AbCdEf", "123456789012", "us-gov-west-1")]
    [InlineData("arn:aws:iam::123456789012:role/x", "123456789012", null)]
    [InlineData("prod/db", null, null)]
    [InlineData("arn:aws:secretsmanager:us-east-1:secret", null, null)]
    public void A_diagnosis_is_placed_by_its_ARN_unless_its_run_says_otherwise(string arn, string? account, string? region)
    {
        Assert.Equal((account, region), AwsArn.LocationOf(arn));
        var diagnosis = new RotationDiagnosis { SecretArn = arn, Name = "x" };
        Assert.Equal(account, diagnosis.AccountId);
        Assert.Equal(region, diagnosis.Region);
        var placed = new RotationDiagnosis { SecretArn = arn, Name = "x", AccountId = "999999999999", Region = "ap-south-2" };
        Assert.Equal(("999999999999", "ap-south-2"), (placed.AccountId, placed.Region));
    }
}
