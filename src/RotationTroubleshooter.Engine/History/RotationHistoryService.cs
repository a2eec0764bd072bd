using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Logs;
using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.History;

/// <summary>
/// Get-RotationHistory's engine: a secret's timeline over the last <c>days</c> days, from the CloudTrail events of
/// everything its rotation depends on (read once per resource per run through <see cref="CloudTrailHistory"/>), its
/// rotation attempts and runtime updates from the function's logs. The secret and its function are the run's shared reads.
/// </summary>
public sealed class RotationHistoryService(AwsSession session) : IRunService<RotationHistoryService>
{
    public const int MaxDays = 90;

    public static RotationHistoryService Create(AwsSession session) => new(session);

    /// <summary>
    /// What the secret's rotation depends on, as far as AWS records it: its key, its function (role, security groups, and
    /// the route tables and network ACLs of its subnets), and its database (the instance or cluster the value's host or the
    /// managed secret's owner names, with that database's security groups and network ACLs). Without
    /// <paramref name="readsValue"/> an unmanaged secret's database is unknown. What could not be read is in
    /// <see cref="RotationDependencies.Unread"/>: the timeline then leaves it out.
    /// </summary>
    public async Task<RotationDependencies> DependenciesAsync(SecretDescription secret, bool readsValue, CancellationToken cancellation)
    {
        var arn = secret.ARN ?? secret.Name ?? throw new ArgumentException("The secret has neither ARN nor name.", nameof(secret));
        var unread = new List<string>();
        var dependencies = new RotationDependencies(arn) { KmsKeyArn = CustomerManagedKey(secret.KmsKeyId) };
        var database = DatabaseAsync(secret, arn, readsValue, unread, cancellation);
        if (!string.IsNullOrEmpty(secret.RotationLambdaARN))
        {
            FunctionConfiguration? configuration = null;
            try
            {
                configuration = (await FunctionInputs.Function.GetAsync(session, secret.RotationLambdaARN, cancellation).ConfigureAwait(false)).Configuration;
            }
            catch (Exception e) when (e is TroubleshooterException or AwsServiceException)
            {
                // A deleted or unreadable function still has a history under its name: its deletion may be the change.
            }
            var subnets = await SubnetsAsync(configuration?.VpcConfig?.VpcId, configuration?.VpcConfig?.SubnetIds ?? [], unread, cancellation)
                .ConfigureAwait(false);
            dependencies = dependencies with
            {
                FunctionName = configuration?.FunctionName ?? AwsArn.FunctionNameOf(secret.RotationLambdaARN),
                FunctionRoleArn = configuration?.Role,
                SecurityGroupIds = configuration?.VpcConfig?.SecurityGroupIds ?? [],
                RouteTableIds = subnets.RouteTables,
                NetworkAclIds = subnets.NetworkAcls,
            };
        }
        var (instance, cluster, listed) = await database.ConfigureAwait(false);
        var databaseSubnets = listed is { VpcId: { } vpc }
            ? await SubnetsAsync(vpc, [.. listed.Subnets.Select(s => s.SubnetId)], unread, cancellation).ConfigureAwait(false)
            : new SubnetPaths([], []);
        return dependencies with
        {
            DatabaseInstanceId = instance,
            DatabaseClusterId = cluster,
            SecurityGroupIds = [.. dependencies.SecurityGroupIds, .. listed?.SecurityGroupIds ?? []],
            // The database's route tables carry only replies inside the VPC; its network ACLs filter them.
            NetworkAclIds = [.. dependencies.NetworkAclIds, .. databaseSubnets.NetworkAcls],
            // The function and its database often share a VPC: one failure to describe it is said once.
            Unread = unread.Distinct(StringComparer.Ordinal).ToList(),
        };
    }

    private sealed record SubnetPaths(IReadOnlyList<string> RouteTables, IReadOnlyList<string> NetworkAcls);

    /// <summary>The route tables and network ACLs of the subnets, from the run's shared description of their VPC.</summary>
    private async Task<SubnetPaths> SubnetsAsync(string? vpcId, IReadOnlyList<string> subnetIds, List<string> unread, CancellationToken cancellation)
    {
        if (vpcId is null || subnetIds.Count == 0) return new SubnetPaths([], []);
        try
        {
            var vpc = await NetworkInputs.Vpc.GetAsync(session, vpcId, cancellation).ConfigureAwait(false);
            return new SubnetPaths(
                subnetIds.Select(vpc.RouteTableFor).OfType<Amazon.EC2.Model.RouteTable>().Select(t => t.RouteTableId).Distinct(StringComparer.Ordinal).ToList(),
                subnetIds.Select(vpc.NetworkAclFor).OfType<Amazon.EC2.Model.NetworkAcl>().Select(a => a.NetworkAclId).Distinct(StringComparer.Ordinal).ToList());
        }
        catch (Exception e) when (e is TroubleshooterException or AwsServiceException)
        {
            lock (unread) unread.Add($"the route tables and network ACLs of {vpcId} (it could not be described: {e.Message})");
            return new SubnetPaths([], []);
        }
    }

    /// <summary>
    /// The secret's RDS instance or cluster, from the run's shared listing of the region's databases: a managed secret's
    /// owner (named by its tags, even when no longer listed), else the one the value's host is an endpoint of. An Aurora
    /// instance comes with its cluster, which holds its master password.
    /// </summary>
    private async Task<(string? Instance, string? Cluster, RdsDatabase? Listed)> DatabaseAsync(SecretDescription secret, string arn, bool readsValue,
        List<string> unread, CancellationToken cancellation)
    {
        var owner = OwningResource.OwnerOf(secret);
        if (owner is { IsRds: false }) return (null, null, null);
        string? host = null;
        // Without the value (the caller chose not to read it) an unmanaged secret's database is unknown: its host is in it.
        if (owner is null && !readsValue) return (null, null, null);
        if (owner is null)
        {
            try
            {
                // A value that is not JSON, or names no engine or host, names no database to follow.
                host = DatabaseAddress.Of(await SecretInputs.CurrentValue.GetAsync(session, arn, cancellation).ConfigureAwait(false))?.Host;
            }
            catch (Exception e) when (e is TroubleshooterException or AwsServiceException)
            {
                lock (unread) unread.Add($"the database (its host is in the secret's value, which could not be read: {e.Message})");
                return (null, null, null);
            }
            if (string.IsNullOrWhiteSpace(host)) return (null, null, null);
        }
        RdsDatabase? listed = null;
        try
        {
            var databases = await NetworkInputs.Databases.GetAsync(session, session.Connection.RegionName, cancellation).ConfigureAwait(false);
            listed = owner is null
                ? DatabaseTargets.Find(host!, databases)
                : databases.FirstOrDefault(d => d.IsCluster == (owner.Kind == OwningResourceKind.DBCluster) && d.Identifier == owner.Identifier);
        }
        catch (Exception e) when (e is TroubleshooterException or AwsServiceException)
        {
            lock (unread) unread.Add($"the database {(owner?.ToString() ?? host)} (RDS could not be listed: {e.Message})");
        }
        if (owner is not null)
            return owner.Kind == OwningResourceKind.DBInstance ? (owner.Identifier, null, listed) : (null, owner.Identifier, listed);
        return listed is null ? (null, null, null)
            : listed.IsCluster ? (null, listed.Identifier, listed)
            : (listed.Identifier, listed.ClusterIdentifier, listed);
    }

    /// <summary>
    /// The secret's history, oldest first; reads left out unless <paramref name="includeReadOnly"/>. With
    /// <paramref name="runLogs"/> the attempts come from the run's shared read of the logs (the diagnosis's 7 days).
    /// Without <paramref name="readsValue"/> the value is not read for its database's host.
    /// </summary>
    public async Task<SecretHistory> ForSecretAsync(string secretId, int days, bool includeReadOnly, bool readsValue, CancellationToken cancellation,
        bool runLogs = false)
    {
        if (days is < 1 or > MaxDays) throw new ArgumentOutOfRangeException(nameof(days), $"days must be 1 to {MaxDays} (CloudTrail keeps 90 days).");
        var secret = await session.DescribeSecretAsync(secretId, cancellation).ConfigureAwait(false);
        var dependencies = await DependenciesAsync(secret, readsValue, cancellation).ConfigureAwait(false);
        var history = session.Get<CloudTrailHistory>();
        var start = history.EndTime.AddDays(-days);
        var reads = dependencies.Resources().Select(r => history.ReadAsync(r, start, cancellation)).ToList();
        var logs = dependencies.FunctionName is null ? Task.FromResult<FunctionLogs?>(null)
            : runLogs ? RunLogsAsync(secret.RotationLambdaARN!, cancellation)
            : ReadLogsAsync(dependencies.FunctionName, start, history.EndTime, cancellation);
        var histories = await Task.WhenAll(reads).ConfigureAwait(false);
        var functionLogs = await logs.ConfigureAwait(false);
        var subject = new HistorySubject(dependencies.SecretArn, dependencies.FunctionName, dependencies.FunctionRoleArn);
        return new SecretHistory(dependencies, TimelineBuilder.Build(subject, histories,
            functionLogs is null ? [] : RotationLogService.OfSecret(functionLogs.Attempts, dependencies.SecretArn),
            functionLogs?.Events ?? [], start, history.EndTime, includeReadOnly));
    }

    /// <summary>The function's logs over the window; none when they cannot be read (the CloudTrail events still tell the history).</summary>
    private async Task<FunctionLogs?> ReadLogsAsync(string function, DateTime start, DateTime end, CancellationToken cancellation)
    {
        try
        {
            return await session.Get<RotationLogService>().ReadAsync(function, start, end, RotationLogService.DefaultMaxEvents, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TroubleshooterException or AwsServiceException)
        {
            return null;
        }
    }

    private async Task<FunctionLogs?> RunLogsAsync(string functionArn, CancellationToken cancellation)
    {
        try
        {
            var window = new LogWindow(functionArn);
            return await FunctionInputs.Logs.GetAsync(session, window, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TroubleshooterException or AwsServiceException)
        {
            return null;
        }
    }

    /// <summary>A customer managed key's id or ARN; null for the AWS managed key (aws/secretsmanager), which nobody changes.</summary>
    private static string? CustomerManagedKey(string? keyId) =>
        string.IsNullOrEmpty(keyId) || keyId.Contains("alias/aws/", StringComparison.Ordinal) ? null : keyId;
}

/// <summary>A secret's timeline, oldest first, and the dependencies it was read for (what could not be read among them).</summary>
public sealed record SecretHistory(RotationDependencies Dependencies, IReadOnlyList<RotationHistoryEvent> Events);
