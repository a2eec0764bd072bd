using System.Net;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Diagnosis;
using RotationTroubleshooter.Diagnosis.Checks;
using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Tests.Diagnosis;

/// <summary>Secrets an AWS service rotates itself (managed rotation): each check as a function of its inputs.</summary>
public class ManagedRotationTests
{
    private readonly DiagnosisFixture _f = new DiagnosisFixture().ManagedByRds();

    private static string Ids(IEnumerable<Finding> findings) => string.Join(",", findings.Select(f => f.CheckId));

    private static AwsServiceException Denied(string operation) =>
        new(AwsErrorKind.AccessDenied, "rds", operation, "AccessDenied", $"not authorized to perform rds:{operation}", HttpStatusCode.Forbidden);

    [Fact]
    public void A_healthy_managed_secret_is_Healthy_says_who_rotates_it_and_names_the_function_checks_once()
    {
        var diagnosis = _f.Diagnose();

        Assert.Equal(RotationStatus.Healthy, diagnosis.Status);
        Assert.Equal("rds", diagnosis.OwningService);
        Assert.Null(diagnosis.RotationFunctionArn);
        var note = Assert.Single(diagnosis.Findings);
        Assert.Equal(("FunctionChecksNotApplicable", FindingSeverity.Info), (note.CheckId, note.Severity));
        Assert.StartsWith("rds rotates this secret itself", note.Message);
        var named = note.Evidence.Single(e => e.StartsWith("Not applicable: ", StringComparison.Ordinal));
        foreach (var check in CheckCatalogue.Checks.Where(c => c.Target == CheckTarget.RotationFunction))
            Assert.Contains(check.Id, named);
        Assert.DoesNotContain("ManagedSecretOwner", named);
    }

    [Fact]
    public void The_owning_service_tag_alone_makes_a_secret_managed()
    {
        _f.Secret.OwningService = null;
        var diagnosis = _f.Diagnose();
        Assert.Equal(("rds", RotationStatus.Healthy), (diagnosis.OwningService, diagnosis.Status));
    }

    [Fact]
    public void Only_the_chosen_function_checks_are_named_and_the_note_survives_a_finding_filter()
    {
        _f.Options = _f.Options with { Selection = CheckCatalogue.Select(["InvokePermissionMissing"], null) };
        var diagnosis = _f.Diagnose(typeof(InvokePermissionCheck), typeof(ManagedSecretOwnerCheck));
        var note = Assert.Single(diagnosis.Findings);
        Assert.Contains("Not applicable: InvokePermission", note.Evidence);
    }

    [Fact]
    public void Rotation_turned_off_on_an_RDS_secret_is_a_warning_not_NotConfigured()
    {
        _f.Secret.RotationEnabled = false;
        var diagnosis = _f.Diagnose(typeof(ManagedRotationCheck), typeof(RotationConfigurationCheck));
        Assert.Equal(RotationStatus.Warning, diagnosis.Status);
        var finding = Assert.Single(diagnosis.Findings);
        Assert.Equal("ManagedRotationDisabled", finding.CheckId);
        Assert.StartsWith("rds owns this secret", finding.Message);
        Assert.Contains("-RotationRules_ScheduleExpression 'rate(7 days)'", finding.Remediation);
    }

    [Fact]
    public void A_secret_another_service_owns_without_rotation_is_NotConfigured_and_says_who_owns_it()
    {
        _f.Secret.OwningService = "events";
        _f.Secret.Tags = [new AwsTag { Key = "aws:secretsmanager:owningService", Value = "events" }];
        _f.Secret.RotationEnabled = null;
        var diagnosis = _f.Diagnose();
        Assert.Equal((RotationStatus.NotConfigured, "events"), (diagnosis.Status, diagnosis.OwningService));
        var finding = Assert.Single(diagnosis.Findings);
        Assert.Equal("RotationNotConfigured", finding.CheckId);
        Assert.Contains("which events owns", finding.Message);
    }

    [Fact]
    public void A_deleted_owner_is_ManagedSecretOwnerMissing()
    {
        _f.Given(DatabaseInputs.Owner, (OwnerDescription?)null);
        var diagnosis = _f.Diagnose(typeof(ManagedSecretOwnerCheck));
        Assert.Equal(RotationStatus.Failing, diagnosis.Status);
        var finding = Assert.Single(diagnosis.Findings);
        Assert.Equal("ManagedSecretOwnerMissing", finding.CheckId);
        Assert.Contains("DB instance orders", finding.Message);
        Assert.Contains($"aws:rds:primaryDBInstanceArn={DiagnosisFixture.InstanceArn}", finding.Evidence);
    }

    [Fact]
    public void A_cluster_owner_is_looked_up_as_a_cluster()
    {
        _f.Secret.Tags = [new AwsTag { Key = "aws:rds:primaryDBClusterArn", Value = "arn:aws:rds:us-east-1:123456789012:cluster:aurora-app" }];
        OwningResource? asked = null;
        _f.Given(DatabaseInputs.Owner, key => { asked = (OwningResource)key!; return null; });
        var finding = Assert.Single(_f.Run<ManagedSecretOwnerCheck>());
        Assert.Equal((OwningResourceKind.DBCluster, "aurora-app", "db-cluster"), (asked!.Kind, asked.Identifier, asked.RdsSourceType));
        Assert.Contains("DB cluster aurora-app", finding.Message);
    }

    [Theory]
    [InlineData("arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-other-XyZ123", "now uses another secret")]
    [InlineData(null, "no longer has rds manage its master password")]
    public void An_owner_that_no_longer_names_this_secret_is_ManagedSecretNotInUse(string? ownersSecret, string message)
    {
        _f.Given(DatabaseInputs.Owner, key => new OwnerDescription((OwningResource)key!, "available", ownersSecret, ownersSecret is null ? null : "active", null));
        var finding = Assert.Single(_f.Run<ManagedSecretOwnerCheck>());
        Assert.Equal(("ManagedSecretNotInUse", FindingSeverity.Error), (finding.CheckId, finding.Severity));
        Assert.Contains(message, finding.Message);
    }

    [Fact]
    public void An_impaired_secret_says_which_KMS_key_to_check()
    {
        _f.Given(DatabaseInputs.Owner, key => new OwnerDescription((OwningResource)key!, "available", DiagnosisFixture.SecretArn, "impaired",
            "arn:aws:kms:us-east-1:123456789012:key/dead"));
        var finding = Assert.Single(_f.Run<ManagedSecretOwnerCheck>());
        Assert.Equal(("ManagedSecretImpaired", FindingSeverity.Error), (finding.CheckId, finding.Severity));
        Assert.Contains("key/dead", finding.Remediation);
        Assert.Contains("Edit-RDSDBInstance -DBInstanceIdentifier orders", finding.Remediation);
        Assert.Contains(finding.Evidence, e => e.Contains("SecretStatus=impaired"));
    }

    [Theory]
    [InlineData("creating"), InlineData("rotating"), InlineData("active")]
    public void Other_secret_states_are_not_problems(string status)
    {
        _f.Given(DatabaseInputs.Owner, key => new OwnerDescription((OwningResource)key!, "available", DiagnosisFixture.SecretArn, status, null));
        Assert.Empty(_f.Run<ManagedSecretOwnerCheck>());
    }

    [Fact]
    public void A_Redshift_secret_is_checked_against_its_cluster_and_has_no_RDS_events_check()
    {
        _f.Secret.OwningService = "redshift";
        _f.Secret.Tags = [new AwsTag { Key = "aws:redshift:primaryClusterArn", Value = "arn:aws:redshift:us-east-1:123456789012:cluster:warehouse" }];
        OwningResource? asked = null;
        _f.Given(DatabaseInputs.Owner, key => { asked = (OwningResource)key!; return new OwnerDescription(asked, "available", null, null, null); })
            .Fails(DatabaseInputs.OwnerEvents, new InvalidOperationException("Redshift secrets have no RDS events"));
        var diagnosis = _f.Diagnose(typeof(ManagedSecretOwnerCheck), typeof(OwningServiceEventsCheck), typeof(ManagedRotationCheck));
        Assert.Equal((OwningResourceKind.RedshiftCluster, "warehouse"), (asked!.Kind, asked.Identifier));
        var finding = Assert.Single(diagnosis.Findings);
        Assert.Equal("ManagedSecretNotInUse", finding.CheckId);
        Assert.Equal("The Redshift cluster warehouse that owns this secret no longer has redshift manage its master password: nothing rotates this secret.", finding.Message);
    }

    [Fact]
    public void A_deleted_Redshift_cluster_says_how_to_manage_the_password_there_again()
    {
        _f.Secret.OwningService = "redshift";
        _f.Secret.Tags = [new AwsTag { Key = "aws:redshift:primaryclusterarn", Value = "arn:aws:redshift:us-east-1:123456789012:cluster:warehouse" }];
        _f.Given(DatabaseInputs.Owner, (OwnerDescription?)null);
        var finding = Assert.Single(_f.Run<ManagedSecretOwnerCheck>());
        Assert.Equal("ManagedSecretOwnerMissing", finding.CheckId);
        Assert.Contains("redshift:DescribeClusters: Redshift cluster warehouse not found", finding.Evidence);
        Assert.Contains("Edit-RSCluster -ManageMasterPassword $true", finding.Remediation);
    }

    [Theory]
    [InlineData("aws:rds:primaryDBInstanceArn", "arn:aws:rds:us-east-1:123456789012:cluster:x")]
    [InlineData("aws:rds:primaryDBInstanceArn", "not-an-arn")]
    [InlineData("aws:redshift:primaryclusterarn", "arn:aws:rds:us-east-1:123456789012:cluster:x")]
    [InlineData("some:other:tag", "arn:aws:rds:us-east-1:123456789012:db:x")]
    public void A_tag_that_does_not_name_a_database_of_its_kind_names_no_owner(string key, string value)
    {
        _f.Secret.Tags = [new AwsTag { Key = key, Value = value }];
        Assert.Null(OwningResource.OwnerOf(_f.Secret));
        Assert.Empty(_f.Run<ManagedSecretOwnerCheck>());
    }

    [Fact]
    public void An_owner_that_cannot_be_read_makes_the_status_Unknown_and_names_the_permission()
    {
        _f.Fails(DatabaseInputs.Owner, Denied("DescribeDBInstances"));
        var diagnosis = _f.Diagnose(typeof(ManagedSecretOwnerCheck), typeof(RotationScheduleCheck));
        Assert.Equal(RotationStatus.Unknown, diagnosis.Status);
        var skipped = Assert.Single(diagnosis.Findings);
        Assert.Equal("CheckSkipped", skipped.CheckId);
        Assert.Contains("rds:DescribeDBInstances", skipped.Message);
    }

    [Fact]
    public void Failures_RDS_reports_about_the_secret_are_a_warning_and_other_events_are_not()
    {
        var events = new List<OwnerEvent>
        {
            new(new DateTime(2026, 11, 30, 4, 0, 0, DateTimeKind.Utc), "Finished DB instance backup", ["backup"]),
            new(new DateTime(2026, 11, 29, 4, 0, 0, DateTimeKind.Utc), "Reset master credentials", ["configuration change"]),
        };
        _f.Given<IReadOnlyList<OwnerEvent>>(DatabaseInputs.OwnerEvents, _ => events);
        Assert.Empty(_f.Run<OwningServiceEventsCheck>());

        events.Insert(0, new(new DateTime(2026, 11, 30, 9, 0, 0, DateTimeKind.Utc),
            "Unable to rotate the master user password: the KMS key for the secret is disabled.", ["notification"]));
        var finding = Assert.Single(_f.Run<OwningServiceEventsCheck>());
        Assert.Equal(("OwningServiceReportedProblem", FindingSeverity.Warning), (finding.CheckId, finding.Severity));
        Assert.Equal(["2026-11-30 09:00Z DB instance orders: Unable to rotate the master user password: the KMS key for the secret is disabled."], finding.Evidence);
        Assert.Contains("Get-RDSEvent -SourceIdentifier orders -SourceType db-instance", finding.Remediation);
    }

    [Fact]
    public void A_stuck_pending_version_of_a_managed_secret_says_to_rotate_through_RDS()
    {
        _f.Secret.VersionIdsToStages!["v-pending"] = ["AWSPENDING"];
        _f.Given<IReadOnlyList<SecretVersionEntry>>(SecretInputs.Versions, []);
        var finding = Assert.Single(_f.Run<PendingVersionCheck>());
        Assert.Equal("PendingVersionStuck", finding.CheckId);
        Assert.Contains("Edit-RDSDBInstance -DBInstanceIdentifier orders -RotateMasterUserPassword $true -ApplyImmediately $true", finding.Remediation);
        Assert.DoesNotContain("Get-RotationFunctionLog", finding.Remediation);
    }

    [Fact]
    public void An_overdue_managed_secret_says_to_rotate_through_RDS()
    {
        _f.Secret.LastRotatedDate = _f.Options.Now.AddDays(-30);
        _f.Secret.NextRotationDate = _f.Options.Now.AddDays(-23);
        var finding = Assert.Single(_f.Run<RotationScheduleCheck>());
        Assert.Equal("RotationOverdue", finding.CheckId);
        Assert.Contains("Edit-RDSDBInstance -DBInstanceIdentifier orders -RotateMasterUserPassword", finding.Remediation);
    }

    [Fact]
    public void A_secret_with_a_rotation_function_is_not_managed_even_when_a_service_owns_it()
    {
        var f = new DiagnosisFixture();
        f.Secret.OwningService = "rds";
        var diagnosis = f.Diagnose(typeof(RotationFunctionCheck), typeof(ManagedSecretOwnerCheck));
        Assert.Equal((RotationStatus.Healthy, "rds"), (diagnosis.Status, diagnosis.OwningService));
        Assert.Empty(diagnosis.Findings);
    }
}
