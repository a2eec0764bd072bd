using RotationTroubleshooter.Network;
namespace RotationTroubleshooter.Tests.Network;

public sealed class EndpointPolicyEvaluatorTests
{
    private const string Role = "arn:aws:iam::123456789012:role/service/rotation-function-role";
    private const string Secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/db-AbCdEf";

    private static PolicyResult Evaluate(string? policy, string action = "secretsmanager:GetSecretValue", string? role = Role) =>
        EndpointPolicyEvaluator.Evaluate(policy, role, "rotation-fn", action, Secret);

    private static string Policy(params string[] statements) => $$"""{"Version":"2012-10-17","Statement":[{{string.Join(",", statements)}}]}""";

    private const string AllowAll = """{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}""";

    [Fact]
    public void No_policy_means_the_default_full_access() => Assert.Equal(PolicyDecision.Allowed, Evaluate(null).Decision);

    [Fact]
    public void Explicit_deny_wins_over_an_earlier_allow()
    {
        var result = Evaluate(Policy(AllowAll, """{"Sid":"Block","Effect":"Deny","Principal":{"AWS":"*"},"Action":"secretsmanager:*","Resource":"*"}"""));
        Assert.Equal(PolicyDecision.ExplicitDeny, result.Decision);
        Assert.Contains("Sid Block", result.Detail);
    }

    [Theory]
    [InlineData("secretsmanager:GetSecretValue", nameof(PolicyDecision.Allowed))]
    [InlineData("secretsmanager:DescribeSecret", nameof(PolicyDecision.Allowed))]
    [InlineData("secretsmanager:PutSecretValue", nameof(PolicyDecision.ImplicitDeny))]
    public void Action_wildcards_match_case_insensitively(string action, string expected)
    {
        var policy = Policy("""{"Effect":"Allow","Principal":"*","Action":["SecretsManager:Get*","secretsmanager:describe*"],"Resource":"*"}""");
        Assert.Equal(expected, Evaluate(policy, action).Decision.ToString());
    }

    [Theory]
    [InlineData("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/db-??????", nameof(PolicyDecision.Allowed))]
    [InlineData("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/*", nameof(PolicyDecision.Allowed))]
    [InlineData("arn:aws:secretsmanager:us-east-1:123456789012:secret:dev/*", nameof(PolicyDecision.ImplicitDeny))]
    public void Resource_wildcards_are_matched_against_the_secret_arn(string resource, string expected)
    {
        var policy = Policy($$"""{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"{{resource}}"}""");
        Assert.Equal(expected, Evaluate(policy).Decision.ToString());
    }

    [Theory]
    [InlineData("\"123456789012\"", nameof(PolicyDecision.Allowed))]
    [InlineData("\"arn:aws:iam::123456789012:root\"", nameof(PolicyDecision.Allowed))]
    [InlineData("[\"arn:aws:iam::123456789012:role/service/rotation-function-role\"]", nameof(PolicyDecision.Allowed))]
    [InlineData("\"arn:aws:sts::123456789012:assumed-role/rotation-function-role/*\"", nameof(PolicyDecision.Allowed))]
    [InlineData("\"arn:aws:iam::999999999999:root\"", nameof(PolicyDecision.ImplicitDeny))]
    [InlineData("\"arn:aws:iam::123456789012:role/other\"", nameof(PolicyDecision.ImplicitDeny))]
    public void Principals_match_the_role_its_session_or_its_account(string principal, string expected)
    {
        var policy = Policy($$"""{"Effect":"Allow","Principal":{"AWS":{{principal}}},"Action":"secretsmanager:*","Resource":"*"}""");
        Assert.Equal(expected, Evaluate(policy).Decision.ToString());
    }

    /// <summary>A role in another partition (China, GovCloud) is matched by its own partition's account root and session ARN.</summary>
    [Theory]
    [InlineData("\"arn:aws-cn:iam::123456789012:root\"", nameof(PolicyDecision.Allowed))]
    [InlineData("\"arn:aws-cn:sts::123456789012:assumed-role/rotation-function-role/rotation-fn\"", nameof(PolicyDecision.Allowed))]
    [InlineData("\"arn:aws:iam::123456789012:root\"", nameof(PolicyDecision.ImplicitDeny))]
    public void Principals_are_matched_in_the_roles_partition(string principal, string expected)
    {
        var policy = Policy($$"""{"Effect":"Allow","Principal":{"AWS":{{principal}}},"Action":"secretsmanager:*","Resource":"*"}""");
        Assert.Equal(expected, Evaluate(policy, role: "arn:aws-cn:iam::123456789012:role/service/rotation-function-role").Decision.ToString());
    }

    [Fact]
    public void Service_principals_are_not_the_function_role()
    {
        var policy = Policy("""{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"*","Resource":"*"}""");
        Assert.Equal(PolicyDecision.ImplicitDeny, Evaluate(policy).Decision);
    }

    [Fact]
    public void Deny_with_NotAction_spares_only_the_listed_actions()
    {
        var policy = Policy(AllowAll, """{"Effect":"Deny","Principal":"*","NotAction":"secretsmanager:GetSecretValue","Resource":"*"}""");
        Assert.Equal(PolicyDecision.Allowed, Evaluate(policy, "secretsmanager:GetSecretValue").Decision);
        Assert.Equal(PolicyDecision.ExplicitDeny, Evaluate(policy, "secretsmanager:PutSecretValue").Decision);
    }

    [Fact]
    public void A_deny_under_a_condition_makes_the_answer_unknown_even_with_an_allow()
    {
        var policy = Policy(AllowAll, """{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}}""");
        var result = Evaluate(policy);
        Assert.Equal(PolicyDecision.Unknown, result.Decision);
        Assert.Contains("statement 2", result.Detail);
    }

    [Fact]
    public void An_allow_only_under_a_condition_is_unknown()
    {
        var policy = Policy("""{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}""");
        Assert.Equal(PolicyDecision.Unknown, Evaluate(policy).Decision);
    }

    [Fact]
    public void An_unconditional_deny_is_still_a_deny_next_to_a_conditional_one()
    {
        var policy = Policy("""{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}""",
            """{"Effect":"Deny","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}""");
        Assert.Equal(PolicyDecision.ExplicitDeny, Evaluate(policy).Decision);
    }

    [Fact]
    public void Named_principals_without_a_known_role_are_unknown()
    {
        var policy = Policy("""{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/x"},"Action":"*","Resource":"*"}""");
        Assert.Equal(PolicyDecision.Unknown, Evaluate(policy, role: null).Decision);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"Version":"2012-10-17"}""")]
    [InlineData("""{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"*","Resource":"*"}]}""")]
    public void Unreadable_policies_are_unknown(string policy) => Assert.Equal(PolicyDecision.Unknown, Evaluate(policy).Decision);
}

/// <summary>A function checked without a secret: only a policy that cannot depend on the secret gets a firm answer.</summary>
public sealed class EndpointPolicyForAnySecretTests
{
    private const string Role = "arn:aws:iam::123456789012:role/rotation";
    private const string Action = "secretsmanager:PutSecretValue";

    [Theory]
    [InlineData(null, "Allowed")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}""", "Allowed")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"secretsmanager:Put*","Resource":"arn:aws:secretsmanager:*:*:secret:prod/*"}]}""", "Unknown")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}""", "Allowed")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"secretsmanager:*","Resource":"*"}]}""", "ExplicitDeny")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/*"}]}""", "Unknown")]
    public void Decides_only_what_holds_for_every_secret(string? policy, string decision) =>
        Assert.Equal(decision, EndpointPolicyEvaluator.EvaluateForAnySecret(policy, Role, "rotate", Action).Decision.ToString());
}
