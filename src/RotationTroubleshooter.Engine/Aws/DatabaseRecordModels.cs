namespace RotationTroubleshooter.Aws;

// What RDS, Redshift and Redshift Serverless record about a database, as their Describe calls answer
// (docs/reference/rds-records.md, "The calls, and the IAM action each needs"). Text is AWS's, cleaned of control
// characters by the XML reader; absent fields are null.

/// <summary>A parameter group an instance, cluster or Redshift cluster uses, with RDS's ParameterApplyStatus (in-sync, pending-reboot, applying).</summary>
public sealed record ParameterGroupUse(string Name, string? ApplyStatus);

/// <summary>One DB instance (DescribeDBInstances).</summary>
public sealed record RdsInstanceRecord(
    string Identifier, string? Engine, string? EngineVersion, string? Status, string? Address, int? Port,
    IReadOnlyList<ParameterGroupUse> ParameterGroups, IReadOnlyList<string> OptionGroups, string? ClusterIdentifier,
    string? MasterUsername, string? DatabaseName);

/// <summary>
/// One DB cluster (DescribeDBClusters): Aurora, Multi-AZ DB clusters and DocumentDB (Engine docdb). ParameterGroupStatus
/// is the members' DBClusterParameterGroupStatus when any member has not applied the group (pending-reboot), else theirs.
/// </summary>
public sealed record RdsClusterRecord(
    string Identifier, string? Engine, string? EngineVersion, string? Status, string? Endpoint, string? ReaderEndpoint,
    IReadOnlyList<string> CustomEndpoints, int? Port, string? ParameterGroup, string? ParameterGroupStatus,
    string? MasterUsername, string? DatabaseName);

/// <summary>One endpoint of a cluster (DescribeDBClusterEndpoints): EndpointType READER, WRITER or CUSTOM.</summary>
public sealed record RdsClusterEndpointRecord(string Identifier, string ClusterIdentifier, string Endpoint, string? EndpointType, string? Status);

/// <summary>One entry of a proxy's Auth list: how it logs into the database (SECRETS with a secret's ARN) and how clients log into it.</summary>
public sealed record RdsProxyAuth(string? AuthScheme, string? SecretArn, string? IamAuth, string? ClientPasswordAuthType);

/// <summary>One RDS Proxy (DescribeDBProxies), its default endpoint and whether it demands TLS of its clients.</summary>
public sealed record RdsProxyRecord(
    string Name, string? Status, string? EngineFamily, string? Endpoint, bool RequireTls, string? VpcId, IReadOnlyList<RdsProxyAuth> Auth);

/// <summary>One endpoint of a proxy (DescribeDBProxyEndpoints): the default one and custom ones (TargetRole READ_WRITE or READ_ONLY).</summary>
public sealed record RdsProxyEndpointRecord(string Name, string ProxyName, string? Endpoint, string? Status, string? TargetRole, bool IsDefault);

/// <summary>
/// One target of a proxy's target group (DescribeDBProxyTargets) with its TargetHealth: State (REGISTERING, AVAILABLE,
/// UNAVAILABLE, UNUSED), Reason (UNREACHABLE, CONNECTION_FAILED, AUTH_FAILURE, PENDING_PROXY_CAPACITY, ...) and AWS's Description.
/// </summary>
public sealed record RdsProxyTargetRecord(
    string? RdsResourceId, string? Endpoint, int? Port, string? Type, string? TrackedClusterId,
    string? HealthState, string? HealthReason, string? HealthDescription);

/// <summary>
/// One parameter of a parameter group (DescribeDBParameters, DescribeDBClusterParameters, Redshift
/// DescribeClusterParameters, a workgroup's configParameters). Value is null when AWS gives none (the engine's own
/// default applies); Source is user, system or engine-default (null where the service gives none).
/// </summary>
public sealed record DatabaseParameter(string Name, string? Value, string? Source, string? ApplyType);

/// <summary>One option of an option group with its port (the SSL option's listener) and settings (NATIVE_NETWORK_ENCRYPTION's SQLNET.*).</summary>
public sealed record RdsOption(string Name, int? Port, IReadOnlyDictionary<string, string?> Settings);

/// <summary>One option group (DescribeOptionGroups).</summary>
public sealed record RdsOptionGroupRecord(string Name, string? EngineName, string? MajorEngineVersion, IReadOnlyList<RdsOption> Options);

/// <summary>One Redshift provisioned cluster (DescribeClusters).</summary>
public sealed record RedshiftClusterRecord(
    string Identifier, string? Status, string? Address, int? Port, IReadOnlyList<ParameterGroupUse> ParameterGroups,
    string? DatabaseName, string? MasterUsername);

/// <summary>One Redshift Serverless workgroup (GetWorkgroup), its endpoint and its configParameters (require_ssl among them).</summary>
public sealed record RedshiftWorkgroupRecord(
    string Name, string? NamespaceName, string? Status, string? Address, int? Port, IReadOnlyList<DatabaseParameter> ConfigParameters);
