using RotationTroubleshooter.Diagnosis.Checks;
using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.Tests.Diagnosis;

/// <summary>From symptom to cause: each family of causes weighed against fixed evidence, no AWS.</summary>
public class CauseTests
{
    private readonly DiagnosisFixture _f = new();

    private void LogsShow(string symptom, string failedStep = "setSecret", params string[] evidence) =>
        _f.Inputs = _f.Inputs with
        {
            LatestAttempt = (_, _) => Task.FromResult<RotationAttempt?>(new RotationAttempt(DiagnosisFixture.SecretArn, "v2", "f",
                new DateTime(2026, 11, 30, 10, 0, 0, DateTimeKind.Utc), new DateTime(2026, 11, 30, 10, 0, 31, DateTimeKind.Utc),
                RotationAttemptOutcome.TimedOut, failedStep, symptom, evidence, null, [])),
        };

    private void NetworkIs(PathVerdict verdict, string reason, params Finding[] findings) =>
        _f.Inputs = _f.Inputs with
        {
            NetworkPath = (_, _, _) => Task.FromResult(new NetworkPathReport(_f.Function.FunctionName!, "vpc-1", ["subnet-1"], ["sg-1"],
                new NetworkPath(verdict, reason, []), null, findings)),
        };

    private static CauseAssessment Of(RotationDiagnosis d, string id) => d.Causes.Single(c => c.Id == id);

    [Fact]
    public void No_route_to_Secrets_Manager_is_the_confirmed_cause_of_a_timeout_after_Found_credentials()
    {
        LogsShow("TimeoutReachingSecretsManager", "createSecret");
        NetworkIs(PathVerdict.Blocked, "rtb-1 has no route for 0.0.0.0/0",
            NetworkFindings.NoRouteToSecretsManager.Raise(["Route from subnet-1: rtb-1 has no route for 0.0.0.0/0"]));

        var d = _f.Diagnose(typeof(RotationLogCheck), typeof(NetworkPathCheck));

        Assert.Equal(("TimeoutReachingSecretsManager", "NoRouteToSecretsManager"), (d.Symptom, d.Cause));
        Assert.Equal(CauseVerdict.Confirmed, d.Causes[0].Verdict);
        Assert.Equal(CauseVerdict.RuledOut, Of(d, "EndpointPolicyDeniesFunction").Verdict);
        Assert.Equal("NoRouteToSecretsManager", d.Findings[0].CheckId);
        Assert.DoesNotContain(d.Causes, c => c.Id == "FunctionTimeoutTooShort");
    }

    [Fact]
    public void An_open_path_rules_the_network_out_and_leaves_no_guess()
    {
        LogsShow("StalledAfterCreateSecret", "setSecret");
        NetworkIs(PathVerdict.Reachable, "vpce-1 in subnet-1 with private DNS");

        var d = _f.Diagnose(typeof(RotationLogCheck), typeof(NetworkPathCheck), typeof(FunctionTimeoutCheck));

        Assert.Null(d.Cause);
        Assert.All(d.Causes, c => Assert.Equal(CauseVerdict.RuledOut, c.Verdict));
        Assert.Contains("30 s", Of(d, "FunctionTimeoutTooShort").Evidence[0]);
    }

    [Fact]
    public void A_short_timeout_is_the_cause_of_a_stall_after_createSecret()
    {
        LogsShow("StalledAfterCreateSecret", "setSecret");
        NetworkIs(PathVerdict.Reachable, "vpce-1 in subnet-1 with private DNS");
        _f.Function.Timeout = 3;

        var d = _f.Diagnose(typeof(RotationLogCheck), typeof(NetworkPathCheck), typeof(FunctionTimeoutCheck));

        Assert.Equal("FunctionTimeoutTooShort", d.Cause);
    }

    [Fact]
    public void A_network_that_cannot_be_read_leaves_the_causes_undetermined_with_the_command_that_settles_them()
    {
        LogsShow("TimeoutReachingSecretsManager", "createSecret");
        _f.Inputs = _f.Inputs with
        {
            NetworkPath = (_, _, _) => throw new RotationTroubleshooter.Aws.AwsServiceException(RotationTroubleshooter.Aws.AwsErrorKind.AccessDenied, "ec2", "DescribeSubnets", "UnauthorizedOperation", "denied"),
        };

        var d = _f.Diagnose(typeof(RotationLogCheck), typeof(NetworkPathCheck));

        Assert.Null(d.Cause);
        var route = Of(d, "NoRouteToSecretsManager");
        Assert.Equal(CauseVerdict.Undetermined, route.Verdict);
        Assert.Equal("Test-RotationNetwork -SecretId 'prod/orders'", route.Command);
    }

    [Fact]
    public void A_missing_key_still_missing_in_AWSCURRENT_is_confirmed_and_one_fixed_since_is_ruled_out()
    {
        LogsShow("SecretJsonKeyMissing", "createSecret", "host key is missing from secret JSON");
        _f.WithValue("""{"engine":"postgres","username":"app","password":"p"}""");
        Assert.Equal("SecretJsonKeyMissing", _f.Diagnose(typeof(RotationLogCheck), typeof(SecretJsonCheck)).Cause);

        _f.WithValue("""{"engine":"postgres","host":"db","username":"app","password":"p"}""");
        var fixedSince = _f.Diagnose(typeof(RotationLogCheck), typeof(SecretJsonCheck));
        Assert.Null(fixedSince.Cause);
        Assert.Equal(CauseVerdict.RuledOut, Assert.Single(fixedSince.Causes).Verdict);
    }

    [Fact]
    public void A_message_that_names_its_cause_is_confirmed_by_itself()
    {
        LogsShow("CloneUsernameTooLong", "setSecret", "setSecret: username length with _clone appended would exceed 16 characters");
        var d = _f.Diagnose(typeof(RotationLogCheck));
        Assert.Equal(("CloneUsernameTooLong", "CloneUsernameTooLong"), (d.Symptom, d.Cause));
    }

    [Fact]
    public void A_succeeded_rotation_has_no_symptom_and_no_causes()
    {
        _f.Inputs = _f.Inputs with
        {
            LatestAttempt = (_, _) => Task.FromResult<RotationAttempt?>(new RotationAttempt(DiagnosisFixture.SecretArn, "v2", "f",
                new DateTime(2026, 11, 30, 10, 0, 0, DateTimeKind.Utc), new DateTime(2026, 11, 30, 10, 0, 5, DateTimeKind.Utc),
                RotationAttemptOutcome.Succeeded, null, "Succeeded", [], null, [])),
        };
        var d = _f.Diagnose(typeof(RotationLogCheck));
        Assert.Equal((null, null, 0), (d.Symptom, d.Cause, d.Causes.Count));
    }
}
