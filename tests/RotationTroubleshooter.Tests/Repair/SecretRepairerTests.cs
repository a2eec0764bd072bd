using System.Net;
using System.Text;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Diagnosis;
using RotationTroubleshooter.Diagnosis.Checks;
using RotationTroubleshooter.Repair;
using RotationTroubleshooter.Tests.Aws;

namespace RotationTroubleshooter.Tests.Repair;

public class SecretRepairerTests
{
    private static readonly string Root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
    private const string SecretArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-AbCdEf";
    private const string FunctionArn = "arn:aws:lambda:us-east-1:123456789012:function:rotate-orders";

    /// <summary>Answers Lambda's configuration reads from a script (one answer per read, the last repeated) and records every request.</summary>
    private sealed class FakeLambda(params string[] configurations) : HttpMessageHandler
    {
        private int _reads;
        public readonly List<string> Writes = [];
        public Func<HttpResponseMessage>? WriteAnswer { get; init; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Get && request.RequestUri!.AbsolutePath.EndsWith("/configuration", StringComparison.Ordinal))
                return Json(configurations[Math.Min(_reads++, configurations.Length - 1)]);
            Writes.Add($"{request.Method} {request.RequestUri!.AbsolutePath} {await request.Content!.ReadAsStringAsync(cancellationToken)}");
            return WriteAnswer?.Invoke() ?? Json(configurations[^1]);
        }
    }

    private static HttpResponseMessage Json(string body, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static string Configuration(int timeout, string revision, string environment = """{"Variables":{"SECRETS_MANAGER_ENDPOINT":"https://secretsmanager.us-east-1.amazonaws.com"}}""") =>
        $$"""{"FunctionName":"rotate-orders","FunctionArn":"{{FunctionArn}}","Timeout":{{timeout}},"RevisionId":"{{revision}}","LastUpdateStatus":"Successful","Environment":{{environment}}}""";

    private static SecretRepairer Repairer(HttpMessageHandler handler) =>
        SecretRepairer.Create(new AwsSession(TestConnections.Create(endpoint: "http://127.0.0.1:1"), new AwsPipelineOptions { MaxAttempts = 1 }, handler));

    private static RotationDiagnosis Diagnosis(params Finding[] findings) => new()
    {
        SecretArn = SecretArn, Name = "prod/orders", RotationFunctionArn = FunctionArn, Findings = findings,
    };

    private static Finding TimeoutTooShort => FunctionFindings.FunctionTimeoutTooShort.Raise(["rotate-orders: Timeout=5"]);

    private static async Task<(RepairItem Planned, RepairItem Applied)> PlanAndApply(SecretRepairer repairer, Finding finding)
    {
        var planned = Assert.Single(await repairer.PlanAsync(Diagnosis(finding), new RepairOptions(), CancellationToken.None));
        Assert.True(planned.IsChange);
        return (planned, await planned.ApplyAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_change_is_written_with_the_RevisionId_of_the_read_just_before_it()
    {
        var lambda = new FakeLambda(Configuration(5, "rev-1"), Configuration(5, "rev-2"), Configuration(30, "rev-3"));
        var (planned, applied) = await PlanAndApply(Repairer(lambda), TimeoutTooShort);

        Assert.Equal(RepairStatus.WouldChange, planned.Action.Status);
        Assert.Equal(RepairStatus.Done, applied.Action.Status);
        var write = Assert.Single(lambda.Writes);
        Assert.StartsWith("PUT /2015-03-31/functions/", write);
        Assert.Contains("\"Timeout\":30", write);
        Assert.Contains("\"RevisionId\":\"rev-2\"", write);
        Assert.DoesNotContain("Environment", write);
    }

    [Fact]
    public async Task A_function_changed_after_the_change_was_confirmed_is_not_written()
    {
        var lambda = new FakeLambda(Configuration(5, "rev-1"), Configuration(10, "rev-2"));
        var (_, applied) = await PlanAndApply(Repairer(lambda), TimeoutTooShort);

        Assert.Empty(lambda.Writes);
        Assert.Equal(RepairStatus.Failed, applied.Action.Status);
        Assert.Equal(ErrorIds.ChangedSinceConfirmed, applied.Failure!.ErrorId);
        Assert.Contains("Timeout 10 s", applied.Action.Error);
    }

    [Fact]
    public async Task A_change_someone_made_meanwhile_is_Done_without_a_write()
    {
        var lambda = new FakeLambda(Configuration(5, "rev-1"), Configuration(30, "rev-2"));
        var (_, applied) = await PlanAndApply(Repairer(lambda), TimeoutTooShort);

        Assert.Empty(lambda.Writes);
        Assert.Equal(RepairStatus.Done, applied.Action.Status);
    }

    [Fact]
    public async Task A_write_whose_answer_was_lost_is_Done_when_the_state_it_wanted_holds_and_Failed_otherwise()
    {
        var lost = new FakeLambda(Configuration(5, "rev-1"), Configuration(5, "rev-1"), Configuration(30, "rev-2"))
        {
            WriteAnswer = () => Json("""{"message":"Service unavailable"}""", HttpStatusCode.ServiceUnavailable),
        };
        Assert.Equal(RepairStatus.Done, (await PlanAndApply(Repairer(lost), TimeoutTooShort)).Applied.Action.Status);

        var refused = new FakeLambda(Configuration(5, "rev-1"))
        {
            WriteAnswer = () => Json("""{"message":"The Revision Id provided does not match"}""", HttpStatusCode.PreconditionFailed),
        };
        var failed = (await PlanAndApply(Repairer(refused), TimeoutTooShort)).Applied;
        Assert.Equal(RepairStatus.Failed, failed.Action.Status);
        Assert.Contains("412", failed.Action.Error);
        Assert.Equal(TimeoutTooShort.Remediation, failed.Action.Remediation);
    }

    [Fact]
    public async Task Environment_variables_Lambda_did_not_show_are_never_written_back()
    {
        var lambda = new FakeLambda(Configuration(30, "rev-1",
            """{"Error":{"ErrorCode":"AccessDeniedException","Message":"Lambda was unable to decrypt the environment variables"}}"""));
        var finding = SecretsManagerEndpointCheck.SecretsManagerEndpointVariableMissing.Raise(["rotate-orders: environment variables (none)"]);
        var item = Assert.Single(await Repairer(lambda).PlanAsync(Diagnosis(finding), new RepairOptions(), CancellationToken.None));

        Assert.False(item.IsChange);
        Assert.Equal(RepairStatus.Failed, item.Action.Status);
        Assert.Equal(ErrorIds.FunctionEnvironmentUnreadable, item.Failure!.ErrorId);
        Assert.Empty(lambda.Writes);
    }

    [Fact]
    public async Task Other_findings_are_NotRepairable_with_their_remediation_and_Info_findings_get_nothing()
    {
        var keyMissing = new Finding("SecretJsonKeyMissing", FindingSeverity.Error, "The secret's JSON lacks host.", remediation: "Add host.");
        var disabled = RotationConfigurationCheck.RotationDisabled.Raise(["RotationEnabled=false"]);
        var skipped = new Finding("CheckSkipped", FindingSeverity.Info, "NetworkPath could not run.");
        var items = await Repairer(new FakeLambda()).PlanAsync(Diagnosis(keyMissing, disabled, skipped), new RepairOptions(), CancellationToken.None);

        Assert.Equal(["SecretJsonKeyMissing", "RotationDisabled"], items.Select(i => i.Action.CheckId));
        Assert.All(items, i => Assert.Equal(RepairStatus.NotRepairable, i.Action.Status));
        Assert.All(items, i => Assert.False(i.IsChange));
        Assert.EndsWith("Add host.", items[0].Action.Remediation);
        Assert.Contains("-IncludeRotationEnable", items[1].Action.Remediation);
    }

    [Theory]
    [InlineData(null, "SecretsManagerRotation-prod/orders db+x", "SecretsManagerRotation-prod-orders-db-x")]
    [InlineData("""{"Statement":[{"Sid":"SecretsManagerAccess"},{"Sid":"SecretsManagerAccess-2"}]}""", "SecretsManagerAccess", "SecretsManagerAccess-3")]
    [InlineData("not json", "SecretsManagerAccess", "SecretsManagerAccess")]
    public void Statement_ids_are_what_Lambda_accepts_and_not_taken(string? policy, string wanted, string expected) =>
        Assert.Equal(expected, InvokePermissionRepair.UniqueStatementId(policy, wanted));

    [Fact]
    public void A_statement_id_keeps_to_Lambda_s_100_characters_with_room_for_a_suffix()
    {
        var id = InvokePermissionRepair.UniqueStatementId(null, "SecretsManagerRotation-" + new string('a', 200));
        Assert.Equal(96, id.Length);
    }

    [Fact]
    public void Every_repaired_finding_is_in_the_catalogue_and_in_the_help()
    {
        var help = File.ReadAllText(Path.Combine(Root, "docs/Repair-SecretRotation.md"));
        var known = RotationTroubleshooter.Diagnosis.CheckCatalogue.Findings.Select(f => f.Id).ToHashSet();
        Assert.Equal(6, SecretRepairer.RepairableFindingIds.Count);
        Assert.All(SecretRepairer.RepairableFindingIds, id =>
        {
            Assert.Contains(id, known);
            Assert.Contains($"`{id}`", help);
        });
    }
}
