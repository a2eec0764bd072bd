using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Fleet;

/// <summary>One account in one region: AWS's request quotas are per account and region, so a shard is the unit of work.</summary>
public sealed record FleetShard(string AccountId, string Region, AwsConnection Connection)
{
    public override string ToString() => $"{AccountId}/{Region}";

    /// <summary>Says whether the shard's credentials work (an assumed role is assumed now), so a denial is the shard's one error.</summary>
    public async Task OpenAsync(CancellationToken cancellation)
    {
        if (Connection.Credentials is AssumedRoleCredentials assumed) await assumed.GetCredentialsAsync().WaitAsync(cancellation).ConfigureAwait(false);
    }

    /// <summary>A failure of the whole shard, as one error naming its account and region.</summary>
    public TroubleshooterException Failed(Exception error)
    {
        if (error is AggregateException { InnerExceptions.Count: 1 } aggregate) error = aggregate.InnerException!;
        var category = error is TroubleshooterException t ? t.Category : FailureCategory.Other;
        return new ShardFailedException(this, category, $"Account {AccountId}, region {Region}: not diagnosed: {error.Message}", error);
    }
}

/// <summary>A shard that could not be worked on (a role not assumed, a region not enabled, an SCP's denial).</summary>
public sealed class ShardFailedException(FleetShard shard, FailureCategory category, string message, Exception inner)
    : TroubleshooterException(ErrorIds.ShardFailed, category, message, inner)
{
    public string AccountId => shard.AccountId;
    public string Region => shard.Region;
}

/// <summary>What the user asked to fan out over: -Region, -AccountId, -OrganizationRoleName, -ExternalId.</summary>
public sealed record FleetOptions
{
    public IReadOnlyList<string> Regions { get; init; } = [];
    public IReadOnlyList<string> AccountIds { get; init; } = [];
    public string? OrganizationRoleName { get; init; }
    public string? ExternalId { get; init; }
    /// <summary>Who runs it, for the role session name (CloudTrail shows it in each member account).</summary>
    public string RunBy { get; init; } = Environment.UserName;

    /// <summary>More than one shard may follow: a region list, accounts, or the organisation.</summary>
    public bool FansOut => Regions.Count > 1 || AccountIds.Count > 0 || OrganizationRoleName is not null;
}

/// <summary>
/// Plans a fleet run: the accounts (given, or the organisation's ACTIVE ones from Organizations ListAccounts), times
/// the regions, in that order; the caller's own account with the caller's credentials, every other through the role
/// named, assumed with STS (credentials refreshed before they expire). docs/reference/organisation.md.
/// </summary>
public static partial class FleetPlanner
{
    /// <param name="handler">Answers STS and Organizations instead of AWS (tests).</param>
    public static async Task<IReadOnlyList<FleetShard>> PlanAsync(AwsConnection caller, FleetOptions options, CancellationToken cancellation,
        HttpMessageHandler? handler = null)
    {
        var regions = options.Regions.Count == 0 ? [caller.RegionName] : options.Regions.Distinct(StringComparer.Ordinal).ToList();
        var connections = regions.Select(r => caller.ForRegion(r, "the -Region parameter")).ToList();
        foreach (var account in options.AccountIds.Where(a => !AccountPattern().IsMatch(a)))
            throw new TroubleshooterException(ErrorIds.InvalidFleet, FailureCategory.InvalidArgument,
                $"'{account}' is not an AWS account id: give the 12 digits, e.g. -AccountId 123456789012.");
        var sts = new AwsPipeline(caller, AwsPipelineLimits.FromEnvironment(), handler);
        var own = await CallerAccountAsync(sts, cancellation).ConfigureAwait(false);
        IReadOnlyList<string> accounts = options.AccountIds.Count > 0
            ? options.AccountIds.Distinct(StringComparer.Ordinal).ToList()
            : options.OrganizationRoleName is not null
                ? await OrganizationAccountsAsync(new AwsPipeline(caller, AwsPipelineLimits.FromEnvironment(), handler), own, cancellation).ConfigureAwait(false)
                : [own];
        var others = accounts.Where(a => a != own).ToList();
        if (others.Count > 0 && options.OrganizationRoleName is null)
            throw new TroubleshooterException(ErrorIds.InvalidFleet, FailureCategory.InvalidArgument,
                $"Account {others[0]} is not the account of these credentials ({own}): give -OrganizationRoleName, the role to assume in each account (e.g. -OrganizationRoleName RotationAuditor).");
        var sessionName = SessionName(options.RunBy);
        var shards = new List<FleetShard>();
        foreach (var account in accounts)
        {
            // One set of credentials per account: its regions share them (an assumed role is valid in every region).
            AWSCredentials? assumed = account == own ? null : new AssumedRoleCredentials(sts,
                $"arn:{caller.Region.PartitionName ?? "aws"}:iam::{account}:role/{options.OrganizationRoleName}", sessionName, options.ExternalId);
            foreach (var connection in connections)
                shards.Add(new FleetShard(account, connection.RegionName, assumed is null
                    ? connection.As(caller.Credentials, caller.CredentialSource, account)
                    : connection.As(assumed, $"role {options.OrganizationRoleName} assumed in {account}", account)));
        }
        return shards;
    }

    /// <summary>"RotationTroubleshooter-user": the caller in the member account's CloudTrail; STS allows [\w+=,.@-], 2-64 characters.</summary>
    public static string SessionName(string runBy)
    {
        var name = "RotationTroubleshooter-" + SessionNameRefused().Replace(runBy, "-");
        return name.Length > 64 ? name[..64] : name;
    }

    private static async Task<string> CallerAccountAsync(AwsPipeline sts, CancellationToken cancellation)
    {
        var root = await sts.QueryAsync(AwsServices.Sts, "GetCallerIdentity", StsVersion, [], cancellation).ConfigureAwait(false);
        return root.Child("GetCallerIdentityResult").Child("Account")?.Value
               ?? throw new TroubleshooterException(ErrorIds.InvalidFleet, FailureCategory.InvalidData, "STS GetCallerIdentity named no account.");
    }

    /// <summary>The organisation's ACTIVE accounts, the caller's first; ListAccounts answers the management or a delegated administrator account only.</summary>
    private static async Task<IReadOnlyList<string>> OrganizationAccountsAsync(AwsPipeline organizations, string own, CancellationToken cancellation)
    {
        var accounts = new List<string>();
        try
        {
            await foreach (var account in AwsPaging.PaginateAsync(
                               (token, stop) => organizations.JsonAsync(AwsServices.Organizations, "AWSOrganizationsV20161128", "ListAccounts",
                                   new ListAccountsRequest { NextToken = token }, AwsJsonContext.Default.ListAccountsRequest,
                                   AwsJsonContext.Default.ListAccountsResponse, stop),
                               page => page.Accounts, page => page.NextToken, cancellation).ConfigureAwait(false))
            {
                if (account.Id is { } id && string.Equals(account.State ?? account.Status, "ACTIVE", StringComparison.OrdinalIgnoreCase)) accounts.Add(id);
            }
        }
        catch (AwsServiceException e)
        {
            throw new TroubleshooterException(ErrorIds.InvalidFleet, e.Category,
                $"Organizations ListAccounts failed: {e.Message} -OrganizationRoleName needs the credentials of the organisation's management account " +
                "or of a delegated administrator (organizations:ListAccounts); or give the accounts with -AccountId.", e);
        }
        accounts.Remove(own);
        accounts.Insert(0, own);
        return accounts;
    }

    internal const string StsVersion = "2011-06-15";

    [GeneratedRegex(@"^\d{12}$")]
    private static partial Regex AccountPattern();

    [GeneratedRegex(@"[^\w+=,.@-]")]
    private static partial Regex SessionNameRefused();
}

/// <summary>
/// A role assumed with STS AssumeRole through the module's pipeline (its endpoint, retries and limits), refreshed by
/// AWSSDK.Core's <see cref="RefreshingAWSCredentials"/> five minutes before it expires, so a long run never signs with
/// expired keys.
/// </summary>
public sealed class AssumedRoleCredentials : RefreshingAWSCredentials
{
    private readonly AwsPipeline _sts;
    private readonly string _roleArn;
    private readonly string _sessionName;
    private readonly string? _externalId;

    public AssumedRoleCredentials(AwsPipeline sts, string roleArn, string sessionName, string? externalId)
    {
        _sts = sts;
        _roleArn = roleArn;
        _sessionName = sessionName;
        _externalId = externalId;
        PreemptExpiryTime = TimeSpan.FromMinutes(5);
    }

    public string RoleArn => _roleArn;

    protected override CredentialsRefreshState GenerateNewCredentials() => GenerateNewCredentialsAsync().GetAwaiter().GetResult();

    protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
    {
        List<KeyValuePair<string, string>> parameters = [new("RoleArn", _roleArn), new("RoleSessionName", _sessionName), new("DurationSeconds", "3600")];
        if (_externalId is not null) parameters.Add(new("ExternalId", _externalId));
        System.Xml.Linq.XElement root;
        try
        {
            root = await _sts.QueryAsync(AwsServices.Sts, "AssumeRole", FleetPlanner.StsVersion, parameters, CancellationToken.None).ConfigureAwait(false);
        }
        catch (AwsServiceException e)
        {
            throw new TroubleshooterException(e.ErrorId, e.Category,
                $"STS AssumeRole of {_roleArn} failed: {e.Message} The role must exist in that account and trust the caller's account (sts:AssumeRole; README, \"An organisation\").", e);
        }
        var credentials = root.Child("AssumeRoleResult").Child("Credentials");
        string Field(string name) => credentials.Child(name)?.Value
                                     ?? throw new TroubleshooterException(ErrorIds.InvalidFleet, FailureCategory.InvalidData, $"STS AssumeRole of {_roleArn} answered no {name}.");
        var expiration = DateTime.Parse(Field("Expiration"), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        return new CredentialsRefreshState(new ImmutableCredentials(Field("AccessKeyId"), Field("SecretAccessKey"), Field("SessionToken")), expiration);
    }
}

public sealed class ListAccountsRequest
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? NextToken { get; set; }
}

public sealed class ListAccountsResponse
{
    public List<OrganizationAccount>? Accounts { get; set; }
    public string? NextToken { get; set; }
}

public sealed class OrganizationAccount
{
    public string? Id { get; set; }
    public string? Status { get; set; }
    public string? State { get; set; }
}
