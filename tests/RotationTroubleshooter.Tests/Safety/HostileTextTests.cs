using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Bundles;
using RotationTroubleshooter.Tests.Aws;
using RotationTroubleshooter.Tests.Bundles;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Tests.Safety;

/// <summary>
/// Text from outside is data: escape sequences an attacker can put in AWS strings, log events, zip entry names and ELF
/// strings come out visible, never raw; the run's known secret values are masked in whatever output field they turn up;
/// XML answers may not declare a DTD.
/// </summary>
public sealed class HostileTextTests
{
    /// <summary>Set the window title, clear the screen, recolour, a C1 CSI, a bell, DEL and a right-to-left override.</summary>
    private const string Hostile = "\u001b]0;owned\u0007\u001b[2J\u001b[31mred\u009b1m\u007f\u202e";

    private static void AssertNoControl(string? text)
    {
        Assert.NotNull(text);
        Assert.DoesNotContain(text, c => c is '\u001b' or '\u0007' or '\u009b' or '\u007f' or '\u202e');
    }

    [Fact]
    public void Control_characters_become_visible_and_only_multi_line_fields_keep_their_layout()
    {
        Assert.Equal("␛]0;owned␇␛[2J␛[31mred\\u009b1m␡\\u202e", UntrustedText.Line(Hostile));
        Assert.Equal("a␉b␊c", UntrustedText.Line("a\tb\nc"));
        Assert.Equal("a\tb\nc\nd␍e", UntrustedText.Lines("a\tb\r\nc\nd\re"));
        var clean = "plain text, unchanged";
        Assert.Same(clean, UntrustedText.Lines(clean));
    }

    [Fact]
    public void Every_string_of_an_AWS_JSON_answer_is_cleaned_keys_included()
    {
        var json = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["Name"] = "prod/db" + Hostile,
            ["Tags"] = new[] { new Dictionary<string, string> { ["Key"] = "team" + Hostile, ["Value"] = "x" + Hostile } },
            ["VersionIdsToStages"] = new Dictionary<string, string[]> { ["v1" + Hostile] = ["AWSCURRENT" + Hostile] },
        });

        var secret = JsonSerializer.Deserialize(json, AwsJsonContext.Default.SecretDescription)!;

        AssertNoControl(secret.Name);
        AssertNoControl(secret.Tags![0].Key);
        AssertNoControl(secret.Tags[0].Value);
        AssertNoControl(secret.VersionIdsToStages!.Keys.Single());
        AssertNoControl(secret.VersionIdsToStages.Values.Single().Single());
        Assert.StartsWith("prod/db␛]0;owned", secret.Name);
    }

    [Fact]
    public void A_log_event_keeps_its_lines_and_a_policy_the_strings_inside_it()
    {
        var events = JsonSerializer.Deserialize("""{"events":[{"timestamp":1,"message":"line one\n\u001b[2Jline two"}]}""",
            LogsJsonContext.Default.FilterLogEventsResponse)!;
        var policy = JsonSerializer.Deserialize("""{"Policy":"{\"Statement\":[{\"Sid\":\"\\u001b]0;owned\\u0007\"}]}"}""",
            AwsJsonContext.Default.FunctionPolicyResponse)!;

        Assert.Equal("line one\n␛[2Jline two", events.Events![0].Message);
        using var document = JsonDocument.Parse(policy.Policy!);
        Assert.Equal("␛]0;owned␇", document.RootElement.GetProperty("Statement")[0].GetProperty("Sid").GetString());
    }

    [Theory]
    [InlineData("""{"level":"INFO","message":"\u001b]0;owned\u0007 setSecret","requestId":"r\u001b[2J"}""")]
    [InlineData("[ERROR]\t2026-01-01T00:00:00.000Z\t6f1c0d2e-0000-4000-8000-000000000001\t\u001b[2Jboom\u009b31m")]
    public void A_log_record_is_data_in_every_field_the_parser_takes_out(string record)
    {
        var e = new LogEvent(DateTime.UtcNow, record);

        AssertNoControl(e.Message);
        AssertNoControl(e.Text);
        Assert.DoesNotContain(e.RequestId ?? "", c => c == '\u001b');
    }

    [Fact]
    public void Zip_entry_names_and_ELF_strings_are_data()
    {
        var library = BigEndianElf.SharedObject("libpq.so.5", "/build/PostgreSQL-9.4.x/lib" + Hostile, "PQconnectdb");
        var zip = new BundleBuilder().File("lib" + Hostile + "/libpq.so.5", library).File("../\u001b[2J/evil.py", "x").Zip();

        var reports = LibpqInspector.InspectZip(new MemoryStream(zip), "hostile" + Hostile);

        Assert.NotEmpty(reports);
        foreach (var report in reports)
        {
            AssertNoControl(report.Path ?? "");
            AssertNoControl(report.RunPath ?? "");
            AssertNoControl(string.Join("\n", report.Evidence));
        }
        Assert.Contains(reports, r => r.RunPath is { } runPath && runPath.Contains("␛]0;owned"));
    }

    [Theory]
    [InlineData("""<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&b;</r>""")]
    [InlineData("""<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>""")]
    public void XML_answers_may_not_declare_a_DTD(string xml)
    {
        var body = Encoding.UTF8.GetBytes(xml);

        Assert.Throws<XmlException>(() => AwsProtocols.ParseXml(body, body.Length));
    }

    [Fact]
    public void XML_text_and_attributes_are_cleaned()
    {
        var body = Encoding.UTF8.GetBytes("<r a=\"x&#x9b;1m\"><StackName>s&#x9b;2J&#x85;</StackName></r>");

        var root = AwsProtocols.ParseXml(body, body.Length).Root!;

        Assert.Equal("s\\u009b2J\\u0085", root.Element("StackName")!.Value);
        Assert.Equal("x\\u009b1m", root.Attribute("a")!.Value);
    }

    [Fact]
    public async Task A_value_the_run_read_is_masked_in_whatever_field_it_turns_up_in()
    {
        var mask = new SecretMask();
        using var run = mask.Use();
        // Made before the value was read, as a check running beside the one that reads it may make it.
        var early = new Finding("Y", FindingSeverity.Warning, "log: connecting with Token-1234-abcd");
        var answer = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["ARN"] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf",
            ["SecretString"] = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["engine"] = "postgres", ["host"] = "db.internal", ["username"] = "SamePassw0rd", ["password"] = "SamePassw0rd",
                ["nested"] = new Dictionary<string, string> { ["api_token"] = "Token-1234-abcd" }, ["dbname"] = "orders",
            }),
        });
        var client = new SecretValueClient(new AwsPipeline(TestConnections.Create(endpoint: "http://127.0.0.1:1"), null, new Answer(answer)), mask);
        var version = await client.GetDatabaseSecretAsync("prod/db", "AWSCURRENT", CancellationToken.None);
        var finding = new Finding("X", FindingSeverity.Error, $"user '{version.Connection.UserName}' at {version.Connection.Endpoint}",
            ["log: connecting with Token-1234-abcd" + Hostile]);
        var diagnosis = new RotationDiagnosis { SecretArn = "arn", Name = "prod/db", Findings = [finding, early] };

        Assert.Equal("user '********' at db.internal:5432", diagnosis.Findings[0].Message);
        Assert.Equal("log: connecting with ********␛]0;owned␇␛[2J␛[31mred\\u009b1m␡\\u202e", diagnosis.Findings[0].Evidence.Single());
        Assert.Equal("log: connecting with ********", diagnosis.Findings[1].Message);
    }

    [Fact]
    public void Masking_masked_text_again_changes_nothing_even_for_a_value_of_asterisks()
    {
        var mask = new SecretMask();
        mask.Register("****");
        mask.Register("pass\u001bword");

        var once = mask.Apply("a **** b");
        Assert.Equal("a ******** b", once);
        Assert.Same(once, mask.Apply(once));
        Assert.Equal("x ******** y", mask.Apply("x " + UntrustedText.Line("pass\u001bword") + " y"));
    }

    [Fact]
    public void Values_registered_between_maskings_are_all_masked_the_longest_first_whenever_each_came()
    {
        // A fleet registers each secret's value while earlier diagnoses are being written: the mask is then built in
        // pieces, and a value from a later piece still wins over a shorter one from an earlier piece, and the reverse.
        var mask = new SecretMask();
        var values = Enumerable.Range(0, 300).Select(i => $"pw{i:0000}x").ToList();
        foreach (var (value, index) in values.Select((v, i) => (v, i)))
        {
            mask.Register(value);
            Assert.Equal($"login as {SecretMask.Mask} failed", mask.Apply($"login as {value} failed"));
            Assert.Equal($"{SecretMask.Mask} {SecretMask.Mask}", mask.Apply($"{values[index / 2]} {value}"));
        }
        mask.Register("pw0007x-and-more");
        Assert.Equal($"[{SecretMask.Mask}] [{SecretMask.Mask}]", mask.Apply("[pw0007x-and-more] [pw0299x]"));
        mask.Register("pw01");
        Assert.Equal($"{SecretMask.Mask}9 {SecretMask.Mask}", mask.Apply("pw019 pw0100x"));
        Assert.Equal("nothing secret here", mask.Apply("nothing secret here"));
    }

    [Fact]
    public void An_error_whose_text_needs_cleaning_leaves_as_one_clean_error()
    {
        var clean = new TroubleshooterException(ErrorIds.SecretNotFound, FailureCategory.NotFound, "plain");
        var inner = new InvalidOperationException("driver said " + Hostile);
        var dirty = new TroubleshooterException(ErrorIds.UserAuditFailed, FailureCategory.Other, "failed: " + Hostile, inner);
        var foreign = new InvalidOperationException("driver said " + Hostile, new IOException("disk"));

        var shown = (TroubleshooterException)OutputText.Error(foreign, null);

        Assert.Same(clean, OutputText.Error(clean, null));
        Assert.Equal(ErrorIds.UserAuditFailed, dirty.ErrorId);
        Assert.Null(dirty.InnerException);
        AssertNoControl(dirty.Message);
        Assert.Equal(ErrorIds.UnexpectedError, shown.ErrorId);
        Assert.Null(shown.InnerException);
        AssertNoControl(shown.Message);
    }

    private sealed class Answer(string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.1") });
    }
}
