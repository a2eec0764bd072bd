using System.Net;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Diagnosis;
using RotationTroubleshooter.Diagnosis.Checks;
using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Logs;
using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.Tests.Diagnosis;

/// <summary>Each check as a function of its inputs: no AWS, no emulator.</summary>
public class CheckTests
{
    private readonly DiagnosisFixture _f = new();

    private static AwsServiceException Denied(string operation) =>
        new(AwsErrorKind.AccessDenied, "lambda", operation, "AccessDeniedException", $"not authorized to perform lambda:{operation}", HttpStatusCode.Forbidden);

    private static string Ids(IEnumerable<Finding> findings) => string.Join(",", findings.Select(f => f.CheckId));

    [Fact]
    public void A_secret_without_rotation_is_NotConfigured_and_nothing_else_runs()
    {
        _f.Secret.RotationLambdaARN = null;
        _f.Secret.RotationEnabled = null;
        var diagnosis = _f.Diagnose();
        Assert.Equal(RotationStatus.NotConfigured, diagnosis.Status);
        var finding = Assert.Single(diagnosis.Findings);
        Assert.Equal(("RotationNotConfigured", FindingSeverity.Info), (finding.CheckId, finding.Severity));
        Assert.Equal((DiagnosisFixture.SecretArn, "prod/orders"), (finding.SecretArn, finding.SecretName));
    }

    [Fact]
    public void Rotation_turned_off_is_a_RotationDisabled_warning()
    {
        _f.Secret.RotationEnabled = false;
        var finding = Assert.Single(_f.Run<RotationConfigurationCheck>());
        Assert.Equal(("RotationDisabled", FindingSeverity.Warning), (finding.CheckId, finding.Severity));
    }

    [Fact]
    public void A_deleted_function_is_RotationFunctionMissing_and_the_function_checks_stay_quiet()
    {
        static TroubleshooterException NotFound() => new(ErrorIds.FunctionNotFound, FailureCategory.NotFound, "Lambda function 'x' was not found");
        // The log check finds the function gone too (it reads the function's log configuration): not a second finding.
        _f.Fails(FunctionInputs.Function, NotFound()).Fails(FunctionInputs.LatestAttempt, NotFound());
        var diagnosis = _f.Diagnose(typeof(RotationFunctionCheck), typeof(FunctionTimeoutCheck), typeof(InvokePermissionCheck), typeof(LastRotationAttemptCheck));
        Assert.Equal("RotationFunctionMissing", Ids(diagnosis.Findings));
        Assert.Equal(RotationStatus.Failing, diagnosis.Status);
    }

    [Fact]
    public void A_function_that_cannot_be_read_makes_the_status_Unknown_and_says_so_once()
    {
        _f.Fails(FunctionInputs.Function, Denied("GetFunction"));
        var diagnosis = _f.Diagnose(typeof(RotationFunctionCheck), typeof(FunctionTimeoutCheck), typeof(InvokePermissionCheck));
        Assert.Equal(RotationStatus.Unknown, diagnosis.Status);
        var skipped = Assert.Single(diagnosis.Findings);
        Assert.Equal("CheckSkipped", skipped.CheckId);
        Assert.Contains("lambda:GetFunction", skipped.Message);
    }

    [Fact]
    public void An_inactive_function_is_RotationFunctionNotActive_with_Lambdas_reason()
    {
        _f.Function.State = "Failed";
        _f.Function.StateReason = "The subnet subnet-1 does not exist";
        var finding = Assert.Single(_f.Run<RotationFunctionCheck>());
        Assert.Equal("RotationFunctionNotActive", finding.CheckId);
        Assert.Contains("subnet-1 does not exist", finding.Evidence[0]);
    }

    [Theory]
    [InlineData(3, true), InlineData(29, true), InlineData(30, false), InlineData(900, false)]
    public void A_timeout_under_30_seconds_is_too_short(int timeout, bool raised)
    {
        _f.Function.Timeout = timeout;
        Assert.Equal(raised ? "FunctionTimeoutTooShort" : "", Ids(_f.Run<FunctionTimeoutCheck>()));
    }

    [Fact]
    public void A_missing_endpoint_variable_names_this_region()
    {
        _f.Function.Environment = null;
        var finding = Assert.Single(_f.Run<SecretsManagerEndpointCheck>());
        Assert.Equal("SecretsManagerEndpointVariableMissing", finding.CheckId);
        Assert.Contains("https://secretsmanager.us-east-1.amazonaws.com", finding.Remediation);
    }

    [Fact]
    public void An_endpoint_variable_of_another_region_is_an_error()
    {
        _f.Function.Environment!.Variables!["SECRETS_MANAGER_ENDPOINT"] = "https://secretsmanager.eu-west-1.amazonaws.com";
        var finding = Assert.Single(_f.Run<SecretsManagerEndpointCheck>());
        Assert.Equal(("SecretsManagerEndpointVariableWrongRegion", FindingSeverity.Error), (finding.CheckId, finding.Severity));
        Assert.Contains("eu-west-1", finding.Message);
    }

    [Theory]
    [InlineData("python3.7", "FunctionRuntimeDeprecated"), InlineData("python3.9", "FunctionRuntimeDeprecated"), InlineData("python3.12", "")]
    public void A_deprecated_runtime_is_a_warning(string runtime, string expected)
    {
        _f.Function.Runtime = runtime;
        Assert.Equal(expected, Ids(_f.Run<FunctionRuntimeCheck>()));
    }

    [Theory]
    [InlineData(null, "InvokePermissionMissing")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":{"Service":"secretsmanager.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"*"}]}""", "")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":{"Service":"secretsmanager.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"*","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:secretsmanager:us-east-1:123456789012:secret:other-*"}}}]}""", "InvokePermissionMissing")]
    public void Secrets_Manager_must_be_allowed_to_invoke_the_function_for_this_secret(string? policy, string expected)
    {
        _f.Given(FunctionInputs.Policy, policy);
        Assert.Equal(expected, Ids(_f.Run<InvokePermissionCheck>()));
    }

    [Fact]
    public void A_stuck_pending_version_says_since_when()
    {
        _f.Secret.VersionIdsToStages!["v-pending"] = ["AWSPENDING"];
        _f.Given<IReadOnlyList<SecretVersionEntry>>(SecretInputs.Versions,
            [new SecretVersionEntry { VersionId = "v-pending", CreatedDate = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc) }]);
        var finding = Assert.Single(_f.Run<PendingVersionCheck>());
        Assert.Equal("PendingVersionStuck", finding.CheckId);
        Assert.Contains(finding.Evidence, e => e.Contains("created 2026-11-01") && e.Contains("30 days ago"));
        Assert.Contains("-RemoveFromVersionId v-pending", finding.Remediation);
    }

    [Fact]
    public void A_stuck_pending_version_is_reported_even_when_its_age_cannot_be_read()
    {
        _f.Secret.VersionIdsToStages!["v-pending"] = ["AWSPENDING"];
        _f.Fails(SecretInputs.Versions, Denied("ListSecretVersionIds"));
        Assert.Equal("PendingVersionStuck,CheckSkipped", Ids(_f.Run<PendingVersionCheck>()));
    }

    [Fact]
    public void A_rotation_past_its_schedule_is_overdue()
    {
        _f.Secret.RotationRules = new RotationRules { ScheduleExpression = "rate(10 days)" };
        _f.Secret.LastRotatedDate = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
        var finding = Assert.Single(_f.Run<RotationScheduleCheck>());
        Assert.Contains("rate(10 days)", finding.Message);

        _f.Secret.LastRotatedDate = new DateTime(2026, 11, 25, 0, 0, 0, DateTimeKind.Utc);
        Assert.Empty(_f.Run<RotationScheduleCheck>());
    }

    [Fact]
    public void The_secret_JSON_lacks_what_the_template_needs_and_only_key_names_are_said()
    {
        _f.WithValue("""{"engine":"postgres","username":"app","password":"hunter2-secret"}""");
        var finding = Assert.Single(_f.Run<SecretJsonCheck>());
        Assert.Equal("SecretJsonKeyMissing", finding.CheckId);
        Assert.Contains("host", finding.Message);
        Assert.DoesNotContain(finding.Evidence, e => e.Contains("hunter2"));
    }

    [Fact]
    public void A_value_that_is_not_JSON_is_SecretNotJson()
    {
        _f.WithValue("hunter2-secret");
        var finding = Assert.Single(_f.Run<SecretJsonCheck>());
        Assert.Equal("SecretNotJson", finding.CheckId);
        Assert.DoesNotContain("hunter2", string.Join(" ", [finding.Message, .. finding.Evidence]));
    }

    [Fact]
    public void A_multi_user_secret_whose_master_is_missing_says_so()
    {
        _f.Tags[Age.RotationFunctionAgeService.ApplicationIdTag] = "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationMultiUser";
        _f.WithValue("""{"engine":"postgres","host":"db","username":"app","password":"p","masterarn":"arn:aws:secretsmanager:us-east-1:123456789012:secret:gone-AbCdEf"}""");
        _f.Fails(SecretInputs.Description, new TroubleshooterException(ErrorIds.SecretNotFound, FailureCategory.NotFound, "Secret 'gone' was not found"));
        Assert.Equal("MasterSecretUnreadable", Ids(_f.Run<SecretJsonCheck>()));
    }

    [Fact]
    public void The_same_problem_in_the_JSON_and_in_the_logs_is_one_finding_with_both_evidence()
    {
        _f.WithValue("""{"engine":"mysql","host":"db","username":"app","password":"p"}""");
        var attempt = new RotationAttempt(DiagnosisFixture.SecretArn, "v2", "f", new DateTime(2026, 11, 30, 10, 0, 0, DateTimeKind.Utc),
            new DateTime(2026, 11, 30, 10, 0, 1, DateTimeKind.Utc), RotationAttemptOutcome.Failed, "createSecret", "EngineMismatch",
            ["2026-11-30T10:00:00.500Z createSecret 1234abcd: Database engine must be set to 'postgres' in order to use this rotation lambda"],
            "Set the secret's \"engine\" key to 'postgres'.", []);
        _f.Given(FunctionInputs.LatestAttempt, attempt);

        var diagnosis = _f.Diagnose(typeof(SecretJsonCheck), typeof(LastRotationAttemptCheck));

        var finding = Assert.Single(diagnosis.Findings);
        Assert.Equal("EngineMismatch", finding.CheckId);
        Assert.Contains(finding.Evidence, e => e.Contains("The template accepts engine postgres"));
        Assert.Contains(finding.Evidence, e => e.Contains("Database engine must be set to 'postgres'"));
    }

    [Fact]
    public void The_newest_attempt_becomes_a_finding_of_its_symptom()
    {
        var attempt = new RotationAttempt(DiagnosisFixture.SecretArn, "v2", "f", new DateTime(2026, 11, 30, 10, 0, 0, DateTimeKind.Utc),
            new DateTime(2026, 11, 30, 10, 0, 16, DateTimeKind.Utc), RotationAttemptOutcome.Failed, "setSecret", "DatabaseUnreachable",
            ["setSecret ran 15046 ms"], null, []);
        _f.Given(FunctionInputs.LatestAttempt, attempt);
        var finding = Assert.Single(_f.Run<LastRotationAttemptCheck>());
        Assert.Equal(("DatabaseUnreachable", FindingSeverity.Error), (finding.CheckId, finding.Severity));
        Assert.Equal(RotationSymptoms.DatabaseUnreachable.Remediation, finding.Remediation);
    }

    [Fact]
    public void A_customer_managed_key_the_role_may_not_use_is_an_error()
    {
        _f.Secret.KmsKeyId = "arn:aws:kms:us-east-1:123456789012:key/k";
        _f.Given(FunctionInputs.KmsVerdict, new KmsRolePermission.Verdict(FindingSeverity.Error, "The role may not kms:Decrypt.", ["no statement allows kms:Decrypt"]));
        var finding = Assert.Single(_f.Run<KmsKeyCheck>());
        Assert.Equal(("CustomerManagedKeyNeedsRolePermission", "The role may not kms:Decrypt."), (finding.CheckId, finding.Message));
    }

    [Fact]
    public void A_function_older_than_the_TLS_fix_is_a_warning()
    {
        _f.Given(FunctionInputs.Age, new RotationFunctionAge
        {
            FunctionName = _f.Function.FunctionName!, CreatedDate = new DateTime(2021, 6, 1, 0, 0, 0, DateTimeKind.Utc),
            CreatedDateSource = "CloudFormationStack", PredatesTlsSupport = true, PredatesScramSupport = true, Evidence = ["stack created 2021-06-01"],
        });
        Assert.Equal("FunctionPredatesScram,FunctionPredatesTls", Ids(_f.Run<FunctionAgeCheck>()));
    }

    [Fact]
    public void A_bundled_libpq_without_scram_is_a_warning_for_PostgreSQL_functions_only()
    {
        var report = new LibpqReport("f", "python/lib/libpq.so.5", "/local/PostgreSQL-9.4.1/lib", 9, false, PostgresDriver.PyGreSQL, ["RUNPATH PostgreSQL-9.4.1"]);
        _f.Given<IReadOnlyList<LibpqReport>>(FunctionInputs.Bundle, [report]);
        Assert.Equal("LibpqLacksScram", Ids(_f.Run<LibpqCheck>()));

        _f.Function.FunctionName = "SecretsManagerRDSMySQLRotationSingleUser";
        Assert.Empty(_f.Run<LibpqCheck>());
    }

    [Fact]
    public void The_network_paths_findings_are_the_diagnosis_findings()
    {
        var blocked = new NetworkPath(PathVerdict.Blocked, "no route", []);
        var report = new NetworkPathReport(_f.Function.FunctionName!, "vpc-1", ["subnet-1"], ["sg-1"], blocked, null,
            [NetworkFindings.NoRouteToSecretsManager.Raise(["rtb-1 has no 0.0.0.0/0 route"])]);
        _f.Given(NetworkInputs.Path, report);
        var finding = Assert.Single(_f.Run<NetworkPathCheck>());
        Assert.Equal(("NoRouteToSecretsManager", DiagnosisFixture.SecretArn), (finding.CheckId, finding.SecretArn));
    }

    private RotationFunctionAge OldFunction() => new()
    {
        FunctionName = _f.Function.FunctionName!, CreatedDate = new DateTime(2021, 6, 1, 0, 0, 0, DateTimeKind.Utc),
        CreatedDateSource = "CloudFormationStack", PredatesTlsSupport = true, PredatesScramSupport = true, Evidence = ["stack created 2021-06-01"],
    };

    /// <summary>Issue 23: -ExcludeCheck FunctionPredatesTls used to silence FunctionPredatesScram too (it was the check's id as well).</summary>
    [Fact]
    public void Excluding_FunctionPredatesTls_hides_that_finding_only_and_excluding_the_check_skips_both()
    {
        _f.Given(FunctionInputs.Age, OldFunction());

        _f.Options = _f.Options with { Selection = CheckCatalogue.Select(null, ["FunctionPredatesTls"]) };
        Assert.Equal("FunctionPredatesScram", Ids(_f.Run<FunctionAgeCheck>()));
        _f.Options = _f.Options with { Selection = CheckCatalogue.Select(["FunctionPredatesTls"], null) };
        Assert.Equal("FunctionPredatesTls", Ids(_f.Run<FunctionAgeCheck>()));
        _f.Options = _f.Options with { Selection = CheckCatalogue.Select(null, ["FunctionAge"]) };
        Assert.Empty(_f.Run<FunctionAgeCheck>());
    }

    /// <summary>Issue 23: -ExcludeCheck RotationNotConfigured used to silence RotationDisabled too.</summary>
    [Fact]
    public void Excluding_RotationNotConfigured_still_says_rotation_was_turned_off()
    {
        _f.Secret.RotationEnabled = false;
        _f.Options = _f.Options with { Selection = CheckCatalogue.Select(null, ["RotationNotConfigured"]) };
        var finding = Assert.Single(_f.Run<RotationConfigurationCheck>());
        Assert.Equal("RotationDisabled", finding.CheckId);

        _f.Options = _f.Options with { Selection = CheckCatalogue.Select(null, ["RotationDisabled"]) };
        Assert.Empty(_f.Run<RotationConfigurationCheck>());
    }

    [Fact]
    public void An_input_that_cannot_be_had_is_said_once_naming_every_check_that_needed_it()
    {
        _f.Fails(FunctionInputs.Function, Denied("GetFunction"));
        var diagnosis = _f.Diagnose(typeof(RotationFunctionCheck), typeof(FunctionTimeoutCheck), typeof(FunctionRuntimeCheck), typeof(RotationScheduleCheck));

        var skipped = Assert.Single(diagnosis.Findings);
        Assert.Equal("FunctionRuntime, FunctionTimeout, RotationFunction could not run: AccessDeniedException on lambda:GetFunction.", skipped.Message);
        Assert.Equal("Allow lambda:GetFunction to the identity running the diagnosis.", skipped.Remediation);
    }

    [Fact]
    public void Excluding_a_check_skips_the_inputs_only_it_needs()
    {
        _f.Fails(FunctionInputs.Policy, new InvalidOperationException("GetPolicy was asked for although no chosen check needs it"));
        IReadOnlyList<InputRead>? read = null;
        _f.Options = _f.Options with { Selection = CheckCatalogue.Select(null, ["InvokePermission"]), InputsRead = r => read = r };

        _f.Diagnose(typeof(InvokePermissionCheck), typeof(FunctionTimeoutCheck));

        Assert.Equal([FunctionInputs.Function], read!.Select(r => r.Input));
    }

    [Fact]
    public void The_diagnosis_accounts_for_every_input_it_read_and_how_that_went()
    {
        _f.Given(FunctionInputs.Policy, (string?)null).Fails(FunctionInputs.KmsVerdict, Denied("GetKeyPolicy"));
        _f.Secret.KmsKeyId = "arn:aws:kms:us-east-1:123456789012:key/k";
        IReadOnlyList<InputRead>? read = null;
        _f.Options = _f.Options with { InputsRead = r => read = r };

        _f.Diagnose(typeof(InvokePermissionCheck), typeof(KmsKeyCheck));

        Assert.NotNull(read);
        Assert.Equal(["Function", "FunctionPolicy", "KmsVerdict"], read.Select(r => r.Input.Id).Order());
        Assert.IsType<AwsServiceException>(Assert.Single(read, r => r.Input == FunctionInputs.KmsVerdict).Failure);
        Assert.All(read.Where(r => r.Input != FunctionInputs.KmsVerdict), r => Assert.Null(r.Failure));
    }
}
