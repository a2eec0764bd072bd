using System.Globalization;
using System.Text.Json;

namespace RotationTroubleshooter.History;

/// <summary>What one event changed: a phrase that follows the principal's name, the parameters, and what they touch.</summary>
public sealed record ChangeDescription(string Summary, IReadOnlyList<string> Changes, IReadOnlyList<HistoryAspect> Aspects);

/// <summary>
/// Turns a CloudTrail record into what changed, picking per event name the request parameters that matter to a rotation
/// (docs/reference/cloudtrail.md, the sections per service). Every other parameter is dropped, and a parameter that could
/// hold a secret is named, never shown: a secret's value, environment variables' values, a master password, a policy's
/// text, anything CloudTrail masked ("What the module shows, and never shows").
/// </summary>
public static class ChangeDescriber
{
    public static ChangeDescription Describe(TrailRecord record)
    {
        var description = record.EventSource switch
        {
            "secretsmanager.amazonaws.com" => SecretsManager(record),
            "lambda.amazonaws.com" => Lambda(record),
            "ec2.amazonaws.com" => Ec2(record),
            "kms.amazonaws.com" => Kms(record),
            "rds.amazonaws.com" => Rds(record),
            _ => null,
        } ?? Generic(record);
        if (record.ReadOnly) return description with { Aspects = [] };
        if (!record.Failed) return description;
        // A failed call changed nothing: what it tried, and why it failed, touching nothing.
        return new ChangeDescription($"tried to {Tried(description.Summary)} ({record.ErrorCode})", description.Changes, []);
    }

    private static string Tried(string summary)
    {
        // "changed the function's runtime" -> "change the function's runtime"; other verbs are named as they stand.
        foreach (var (past, present) in PastTense)
            if (summary.StartsWith(past, StringComparison.Ordinal)) return present + summary[past.Length..];
        return "call " + summary;
    }

    private static readonly (string, string)[] PastTense =
    [
        ("changed ", "change "), ("wrote ", "write "), ("configured ", "configure "), ("turned ", "turn "), ("started ", "start "),
        ("moved ", "move "), ("removed ", "remove "), ("replaced ", "replace "), ("deleted ", "delete "), ("deployed ", "deploy "),
        ("allowed ", "allow "), ("revoked ", "revoke "), ("added ", "add "), ("disabled ", "disable "), ("enabled ", "enable "),
        ("scheduled ", "schedule "), ("cancelled ", "cancel "), ("rebooted ", "reboot "), ("rotated ", "rotate "), ("set ", "set "),
        ("created ", "create "), ("restored ", "restore "), ("granted ", "grant "), ("called ", "call "), ("read ", "read "),
        ("described ", "describe "), ("listed ", "list "), ("associated ", "associate "), ("modified ", "modify "),
    ];

    private static ChangeDescription Generic(TrailRecord record) =>
        new(record.ReadOnly ? $"read {Resource(record)} ({record.EventName})" : $"called {record.EventName} on {Resource(record)}", [], []);

    private static string Resource(TrailRecord record) => record.Resource.Kind switch
    {
        HistoryResourceKind.Secret => "the secret",
        HistoryResourceKind.Function => "the function",
        HistoryResourceKind.KmsKey => "the key",
        HistoryResourceKind.DatabaseInstance or HistoryResourceKind.DatabaseCluster => "the database",
        _ => record.Resource.Name,
    };

    // --- Secrets Manager --------------------------------------------------------------------------------------------

    private static ChangeDescription? SecretsManager(TrailRecord r)
    {
        var q = r.Request;
        var version = Str(r.Response, "versionId") ?? Str(q, "clientRequestToken");
        switch (r.EventName)
        {
            case "PutSecretValue":
            {
                var stages = Strings(q, "versionStages") is { Count: > 0 } asked ? asked : Strings(r.Response, "versionStages");
                var changes = new List<string> { "secret value written (not shown)" };
                if (version is not null) changes.Add($"version: {version}");
                if (stages.Count > 0) changes.Add($"labels: {string.Join(", ", stages)}");
                return new($"wrote a new secret value{VersionPart(version)}", changes, [HistoryAspect.SecretValue, HistoryAspect.SecretLabels]);
            }
            case "UpdateSecret":
            {
                var changes = new List<string>();
                var aspects = new List<HistoryAspect>();
                var phrases = new List<string>();
                if (r.Response.ValueKind == JsonValueKind.Object && Str(r.Response, "versionId") is { } newVersion)
                {
                    changes.Add("secret value written (not shown)");
                    changes.Add($"version: {newVersion}");
                    aspects.AddRange([HistoryAspect.SecretValue, HistoryAspect.SecretLabels]);
                    phrases.Add($"wrote a new secret value{VersionPart(newVersion)}");
                }
                if (Str(q, "kmsKeyId") is { } key)
                {
                    changes.Add($"KMS key: {Shown(key)}");
                    aspects.Add(HistoryAspect.SecretKey);
                    phrases.Add($"changed the secret's KMS key to {Shown(key)}");
                }
                if (Has(q, "description"))
                {
                    changes.Add("description changed");
                    if (phrases.Count == 0) phrases.Add("changed the secret's description");
                }
                return new(phrases.Count == 0 ? "updated the secret" : string.Join(" and ", phrases), changes, aspects);
            }
            case "RotateSecret":
            {
                var function = Str(q, "rotationLambdaARN");
                var rules = Obj(q, "rotationRules");
                if (function is null && rules.ValueKind == JsonValueKind.Undefined)
                    return new("started a rotation", version is null ? [] : [$"version: {version}"], [HistoryAspect.RotationRequested]);
                var changes = new List<string>();
                if (function is not null) changes.Add($"rotation function: {function}");
                if (Number(rules, "automaticallyAfterDays") is { } days) changes.Add($"every {days} days");
                if (Str(rules, "scheduleExpression") is { } schedule) changes.Add($"schedule: {schedule}");
                if (Str(rules, "duration") is { } window) changes.Add($"window: {window}");
                var now = !(Bool(q, "rotateImmediately") == false);
                if (!now) changes.Add("no rotation now");
                var aspects = now ? new[] { HistoryAspect.RotationConfiguration, HistoryAspect.RotationRequested } : [HistoryAspect.RotationConfiguration];
                return new($"configured rotation ({string.Join(", ", changes)})", changes, aspects);
            }
            case "CancelRotateSecret":
                return new("turned rotation off (CancelRotateSecret)", ["rotation disabled"], [HistoryAspect.RotationDisabled, HistoryAspect.RotationConfiguration]);
            case "UpdateSecretVersionStage":
            {
                var stage = Str(q, "versionStage") ?? "a label";
                var to = Str(q, "moveToVersionId");
                var from = Str(q, "removeFromVersionId");
                var changes = new List<string> { $"label: {stage}" };
                if (to is not null) changes.Add($"to version: {to}");
                if (from is not null) changes.Add($"from version: {from}");
                var aspects = stage == "AWSCURRENT" && to is not null
                    ? new[] { HistoryAspect.SecretLabels, HistoryAspect.SecretValue }
                    : [HistoryAspect.SecretLabels];
                var phrase = to is not null
                    ? $"moved {stage} to version {to}" + (from is null ? "" : $" from {from}")
                    : $"removed {stage} from version {from ?? "unknown"}";
                return new(phrase, changes, aspects);
            }
            case "PutResourcePolicy":
                return new("replaced the secret's resource policy", ["resource policy replaced (not shown)"], [HistoryAspect.SecretPolicy]);
            case "DeleteResourcePolicy":
                return new("deleted the secret's resource policy", ["resource policy deleted"], [HistoryAspect.SecretPolicy]);
            case "DeleteSecret":
            {
                var days = Number(q, "recoveryWindowInDays");
                return new("scheduled the secret's deletion" + (days is null ? "" : $" in {days} days"),
                    days is null ? [] : [$"recovery window: {days} days"], [HistoryAspect.SecretDeleted]);
            }
            case "RestoreSecret":
                return new("restored the secret", [], [HistoryAspect.SecretDeleted]);
            case "CreateSecret":
                return new("created the secret", ["secret value written (not shown)"], [HistoryAspect.SecretValue]);
            case "RotationStarted":
                return new("started a rotation (Secrets Manager)", VersionOfRotation(r), [HistoryAspect.RotationStarted]);
            case "RotationSucceeded":
                return new("finished a rotation: the new version is AWSCURRENT", VersionOfRotation(r), [HistoryAspect.RotationSucceeded]);
            case "RotationFailed":
            {
                var changes = VersionOfRotation(r);
                var step = StepOf(r.ErrorMessage);
                if (step is not null) changes.Add($"failed step: {step}");
                return new("recorded a failed rotation" + (step is null ? "" : $" (at {step})"), changes, [HistoryAspect.RotationFailed]);
            }
            case "RotationAbandoned":
                return new("abandoned the rotation in progress: a version was written by hand, so AWSPENDING was removed", VersionOfRotation(r),
                    [HistoryAspect.RotationAbandoned, HistoryAspect.SecretLabels]);
            case "GetSecretValue" or "BatchGetSecretValue":
                return new("read the secret's value", [], []);
        }
        return null;
    }

    private static string VersionPart(string? version) => version is null ? "" : $" (version {version})";

    /// <summary>Rotation events name the version in their request id: <c>Rotation-&lt;secret ARN&gt;-&lt;version id&gt;</c>.</summary>
    private static List<string> VersionOfRotation(TrailRecord r)
    {
        var secret = Str(r.Additional, "SecretId");
        var request = r.RequestId;
        if (secret is not null && request is not null && request.StartsWith($"Rotation-{secret}-", StringComparison.Ordinal))
            return [$"version: {request[$"Rotation-{secret}-".Length..]}"];
        return [];
    }

    /// <summary>The step RotationFailed's message names: "... during createSecret step".</summary>
    public static string? StepOf(string? message)
    {
        if (message is null) return null;
        foreach (var step in new[] { "createSecret", "setSecret", "testSecret", "finishSecret" })
            if (message.Contains($"during {step}", StringComparison.Ordinal)) return step;
        return null;
    }

    // --- Lambda -------------------------------------------------------------------------------------------------------

    private static ChangeDescription? Lambda(TrailRecord r)
    {
        var q = r.Request;
        switch (r.EventName)
        {
            case "UpdateFunctionConfiguration":
            {
                var parts = new List<(string Phrase, string Change, HistoryAspect Aspect)>();
                if (Str(q, "runtime") is { } runtime) parts.Add(($"runtime to {runtime}", $"runtime: {runtime}", HistoryAspect.FunctionRuntime));
                if (Number(q, "timeout") is { } timeout) parts.Add(($"timeout to {timeout} s", $"timeout: {timeout} s", HistoryAspect.FunctionTimeout));
                if (Number(q, "memorySize") is { } memory) parts.Add(($"memory to {memory} MB", $"memory: {memory} MB", HistoryAspect.FunctionMemory));
                if (Str(q, "role") is { } role) parts.Add(($"role to {role}", $"role: {role}", HistoryAspect.FunctionRole));
                if (Str(q, "handler") is { } handler) parts.Add(($"handler to {handler}", $"handler: {handler}", HistoryAspect.FunctionCode));
                if (Obj(q, "vpcConfig") is { ValueKind: JsonValueKind.Object } vpc)
                {
                    var subnets = Strings(vpc, "subnetIds");
                    var groups = Strings(vpc, "securityGroupIds");
                    var text = subnets.Count == 0 && groups.Count == 0
                        ? "no VPC"
                        : $"subnets {Join(subnets)}, security groups {Join(groups)}";
                    parts.Add(($"VPC to {text}", $"VPC: {text}", HistoryAspect.FunctionNetwork));
                }
                if (Has(q, "environment"))
                {
                    // Only the variables' names: their values can be secrets.
                    var names = Obj(Obj(q, "environment"), "variables") is { ValueKind: JsonValueKind.Object } variables
                        ? variables.EnumerateObject().Select(v => TrailRecord.Clean(v.Name)).ToList()
                        : [];
                    var text = names.Count == 0 ? "environment variables set (values not shown)" : $"environment variables {Join(names)} (values not shown)";
                    parts.Add((names.Count == 0 ? "environment variables" : $"environment variables {Join(names)}", text, HistoryAspect.FunctionEnvironment));
                }
                if (Has(q, "layers")) parts.Add(($"layers to {Join(Strings(q, "layers"))}", $"layers: {Join(Strings(q, "layers"))}", HistoryAspect.FunctionCode));
                if (Str(q, "kmsKeyArn") is { } key) parts.Add(($"environment key to {key}", $"environment KMS key: {key}", HistoryAspect.FunctionEnvironment));
                if (Obj(q, "loggingConfig") is { ValueKind: JsonValueKind.Object } logging)
                {
                    var text = string.Join(", ", new[] { Str(logging, "logFormat"), Str(logging, "logGroup") }.OfType<string>());
                    parts.Add(($"logging to {text}", $"logging: {text}", HistoryAspect.FunctionLogging));
                }
                if (parts.Count == 0) return new("changed the function's configuration", [], []);
                return new($"changed the function's {Phrases(parts.Select(p => p.Phrase))}",
                    parts.Select(p => p.Change).ToList(), parts.Select(p => p.Aspect).Distinct().ToList());
            }
            case "UpdateFunctionCode":
            {
                var changes = new List<string>();
                if (Str(q, "s3Bucket") is { } bucket) changes.Add($"code: s3://{bucket}/{Str(q, "s3Key")}");
                if (Str(q, "imageUri") is { } image) changes.Add($"image: {image}");
                if (Str(r.Response, "codeSha256") is { } sha) changes.Add($"code SHA-256: {sha}");
                return new("deployed new code to the function", changes, [HistoryAspect.FunctionCode]);
            }
            case "AddPermission":
            {
                var principal = Str(q, "principal") ?? "a principal";
                var action = Str(q, "action") ?? "an action";
                var changes = new List<string> { $"principal: {principal}", $"action: {action}" };
                if (Str(q, "statementId") is { } sid) changes.Add($"statement: {sid}");
                if (Str(q, "sourceArn") is { } sourceArn) changes.Add($"source ARN: {sourceArn}");
                if (Str(q, "sourceAccount") is { } sourceAccount) changes.Add($"source account: {sourceAccount}");
                return new($"allowed {principal} to {action} on the function", changes, [HistoryAspect.FunctionPermission]);
            }
            case "RemovePermission":
            {
                var sid = Str(q, "statementId") ?? "unknown";
                return new($"removed the function's permission statement {sid}", [$"statement: {sid}"], [HistoryAspect.FunctionPermission]);
            }
            case "PutRuntimeManagementConfig":
            {
                var mode = Str(q, "updateRuntimeOn") ?? "unknown";
                return new($"set the function's runtime updates to {mode}", [$"runtime updates: {mode}"], [HistoryAspect.FunctionRuntime]);
            }
            case "DeleteFunction":
                return new("deleted the function", [], [HistoryAspect.FunctionDeleted]);
            case "CreateFunction":
            {
                var created = Str(q, "runtime");
                return new("created the function" + (created is null ? "" : $" ({created})"), created is null ? [] : [$"runtime: {created}"],
                    [HistoryAspect.FunctionCode, HistoryAspect.FunctionRuntime]);
            }
        }
        return null;
    }

    // --- EC2 ----------------------------------------------------------------------------------------------------------

    private static ChangeDescription? Ec2(TrailRecord r)
    {
        var q = r.Request;
        var name = r.EventName;
        if (name is "AuthorizeSecurityGroupIngress" or "AuthorizeSecurityGroupEgress" or "RevokeSecurityGroupIngress" or "RevokeSecurityGroupEgress")
        {
            var group = Str(q, "groupId") ?? r.Resource.Name;
            var egress = name.EndsWith("Egress", StringComparison.Ordinal);
            var verb = name.StartsWith("Authorize", StringComparison.Ordinal) ? "allowed" : "revoked";
            var rules = Items(q, "ipPermissions").Select(p => Rule(p, egress)).ToList();
            if (rules.Count == 0) rules.Add(egress ? "egress rules" : "ingress rules");
            return new($"{verb} {string.Join("; ", rules)} in {group}", rules.Select(x => $"{verb}: {x}").ToList(), [HistoryAspect.SecurityGroupRules]);
        }
        switch (name)
        {
            case "ModifySecurityGroupRules":
                return new($"modified rules of {Str(q, "GroupId") ?? r.Resource.Name}", [], [HistoryAspect.SecurityGroupRules]);
            case "DeleteSecurityGroup":
                return new($"deleted {Str(q, "groupId") ?? r.Resource.Name}", [], [HistoryAspect.SecurityGroupRules]);
            case "CreateNetworkAclEntry" or "ReplaceNetworkAclEntry" or "DeleteNetworkAclEntry":
            {
                var acl = Str(q, "networkAclId") ?? r.Resource.Name;
                var number = Number(q, "ruleNumber") ?? "?";
                var direction = Bool(q, "egress") == true ? "outbound" : "inbound";
                if (name == "DeleteNetworkAclEntry")
                    return new($"deleted {direction} rule {number} of {acl}", [$"deleted: {direction} rule {number}"], [HistoryAspect.NetworkAclEntries]);
                var action = Str(q, "ruleAction") ?? "allow";
                var protocol = Str(q, "protocol");
                // Protocol -1 (all traffic) covers every port: EC2 ignores a port range given with it.
                var ports = protocol == "-1" ? ""
                    : Obj(q, "portRange") is { ValueKind: JsonValueKind.Object } range ? " " + Ports(Number(range, "from"), Number(range, "to")) : " all ports";
                var peer = Str(q, "cidrBlock") ?? Str(q, "ipv6CidrBlock") ?? "anywhere";
                var rule = $"{direction} rule {number}: {action} {Protocol(protocol)}{ports} {(direction == "outbound" ? "to" : "from")} {peer}";
                var verb = name == "CreateNetworkAclEntry" ? "added" : "replaced";
                return new($"{verb} {rule} in {acl}", [$"{verb}: {rule}"], [HistoryAspect.NetworkAclEntries]);
            }
            case "ReplaceNetworkAclAssociation":
                return new($"associated a subnet with {Str(q, "networkAclId") ?? r.Resource.Name}", [], [HistoryAspect.NetworkAclEntries]);
            case "CreateRoute" or "ReplaceRoute" or "DeleteRoute":
            {
                var table = Str(q, "routeTableId") ?? r.Resource.Name;
                var destination = Str(q, "destinationCidrBlock") ?? Str(q, "destinationIpv6CidrBlock") ?? Str(q, "destinationPrefixListId") ?? "?";
                if (name == "DeleteRoute")
                    return new($"deleted the route to {destination} from {table}", [$"deleted: {destination}"], [HistoryAspect.Routes]);
                var target = new[] { "natGatewayId", "gatewayId", "transitGatewayId", "vpcPeeringConnectionId", "networkInterfaceId", "vpcEndpointId", "instanceId" }
                    .Select(k => Str(q, k)).FirstOrDefault(v => v is not null) ?? "?";
                var verb = name == "CreateRoute" ? "added" : "replaced";
                return new($"{verb} the route to {destination} via {target} in {table}", [$"{verb}: {destination} via {target}"], [HistoryAspect.Routes]);
            }
            case "ReplaceRouteTableAssociation" or "AssociateRouteTable" or "DisassociateRouteTable":
                return new($"changed which subnets {Str(q, "routeTableId") ?? r.Resource.Name} routes", [], [HistoryAspect.Routes]);
        }
        return null;
    }

    private static string Rule(JsonElement permission, bool egress)
    {
        var ports = Ports(Number(permission, "fromPort"), Number(permission, "toPort"));
        var peers = Items(permission, "ipRanges").Select(p => Str(p, "cidrIp"))
            .Concat(Items(permission, "ipv6Ranges").Select(p => Str(p, "cidrIpv6")))
            .Concat(Items(permission, "groups").Select(p => Str(p, "groupId")))
            .Concat(Items(permission, "prefixListIds").Select(p => Str(p, "prefixListId")))
            .OfType<string>().ToList();
        var protocol = Protocol(Str(permission, "ipProtocol"));
        var portText = protocol == "all traffic" ? "" : $" {ports}";
        return $"{(egress ? "egress" : "ingress")} {protocol}{portText} {(egress ? "to" : "from")} {(peers.Count == 0 ? "anywhere" : string.Join(", ", peers))}";
    }

    private static string Ports(string? from, string? to) =>
        from is null && to is null ? "all ports" : from == to || to is null ? $"port {from}" : from is "-1" || from is "0" && to is "65535" ? "all ports" : $"ports {from}-{to}";

    private static string Protocol(string? protocol) => protocol switch
    {
        null or "-1" or "all" => "all traffic",
        "6" or "tcp" => "tcp",
        "17" or "udp" => "udp",
        "1" or "icmp" => "icmp",
        _ => $"protocol {protocol}",
    };

    // --- KMS ----------------------------------------------------------------------------------------------------------

    private static ChangeDescription? Kms(TrailRecord r)
    {
        var q = r.Request;
        switch (r.EventName)
        {
            case "PutKeyPolicy":
            {
                // The policy's text is not shown; how many statements it has tells that it changed.
                var count = StatementCount(Str(q, "policy"));
                return new("replaced the key policy", [count is null ? "key policy replaced (not shown)" : $"key policy replaced: {count} statements (not shown)"],
                    [HistoryAspect.KeyPolicy]);
            }
            case "DisableKey":
                return new("disabled the key", ["key disabled"], [HistoryAspect.KeyState]);
            case "EnableKey":
                return new("enabled the key", ["key enabled"], [HistoryAspect.KeyState]);
            case "ScheduleKeyDeletion":
            {
                var days = Number(q, "pendingWindowInDays") ?? Number(r.Response, "pendingWindowInDays");
                var changes = new List<string> { "key pending deletion" };
                if (Str(r.Response, "deletionDate") is { } date) changes.Add($"deletion date: {date}");
                return new("scheduled the key's deletion" + (days is null ? "" : $" in {days} days"), changes, [HistoryAspect.KeyState]);
            }
            case "CancelKeyDeletion":
                return new("cancelled the key's deletion", [], [HistoryAspect.KeyState]);
            case "CreateGrant" or "RevokeGrant" or "RetireGrant":
            {
                var grantee = Str(q, "granteePrincipal");
                var verb = r.EventName == "CreateGrant" ? "granted" : "revoked";
                return new($"{verb} a grant on the key" + (grantee is null ? "" : $" ({grantee})"), grantee is null ? [] : [$"grantee: {grantee}"],
                    [HistoryAspect.KeyPolicy]);
            }
        }
        return null;
    }

    private static int? StatementCount(string? policy)
    {
        if (policy is null) return null;
        try
        {
            using var document = JsonDocument.Parse(policy);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("Statement", out var statements)
                ? statements.ValueKind == JsonValueKind.Array ? statements.GetArrayLength() : 1
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // --- RDS ----------------------------------------------------------------------------------------------------------

    private static ChangeDescription? Rds(TrailRecord r)
    {
        var q = r.Request;
        switch (r.EventName)
        {
            case "ModifyDBInstance" or "ModifyDBCluster":
            {
                var parts = new List<(string Phrase, string Change, HistoryAspect Aspect)>();
                // The password itself is masked by RDS ("****") and never read here: its presence, in the request or as
                // the pending change RDS answers, is the change.
                if (Has(q, "masterUserPassword") || Has(Obj(r.Response, "pendingModifiedValues"), "masterUserPassword")) parts.Add(("master password", "master password changed (not shown)", HistoryAspect.DatabasePassword));
                if (Bool(q, "manageMasterUserPassword") is { } managed)
                    parts.Add((managed ? "master password to one RDS manages" : "master password to one it does not manage",
                        $"RDS-managed master password: {(managed ? "on" : "off")}", HistoryAspect.DatabasePassword));
                if (Bool(q, "rotateMasterUserPassword") == true)
                    parts.Add(("managed master password (rotated)", "RDS-managed master password rotated", HistoryAspect.DatabasePassword));
                if (Strings(q, "vpcSecurityGroupIds") is { Count: > 0 } groups)
                    parts.Add(($"security groups to {Join(groups)}", $"security groups: {Join(groups)}", HistoryAspect.DatabaseNetwork));
                if ((Str(q, "dBParameterGroupName") ?? Str(q, "dBClusterParameterGroupName")) is { } group)
                    parts.Add(($"parameter group to {group}", $"parameter group: {group}", HistoryAspect.DatabaseParameters));
                if ((Str(q, "cACertificateIdentifier") ?? Str(q, "caCertificateIdentifier")) is { } ca)
                    parts.Add(($"CA certificate to {ca}", $"CA certificate: {ca}", HistoryAspect.DatabaseCertificate));
                if (Str(q, "engineVersion") is { } engine) parts.Add(($"engine version to {engine}", $"engine version: {engine}", HistoryAspect.DatabaseEngine));
                if ((Number(q, "dBPortNumber") ?? Number(q, "port")) is { } port) parts.Add(($"port to {port}", $"port: {port}", HistoryAspect.DatabaseNetwork));
                if (Bool(q, "publiclyAccessible") is { } open)
                    parts.Add((open ? "access to public" : "access to private", $"publicly accessible: {open}", HistoryAspect.DatabaseNetwork));
                if (parts.Count == 0) return new("modified the database", [], []);
                var changes = parts.Select(p => p.Change).ToList();
                if (Bool(q, "applyImmediately") is { } immediately) changes.Add(immediately ? "applied immediately" : "applied in the next maintenance window");
                return new($"changed the database's {Phrases(parts.Select(p => p.Phrase))}", changes, parts.Select(p => p.Aspect).Distinct().ToList());
            }
            case "RebootDBInstance" or "RebootDBCluster":
                return new("rebooted the database", [], [HistoryAspect.DatabaseRestart]);
            case "ModifyDBParameterGroup" or "ModifyDBClusterParameterGroup" or "ResetDBParameterGroup" or "ResetDBClusterParameterGroup":
            {
                var names = Items(q, "parameters").Concat(Array(q, "parameters")).Select(p => Str(p, "parameterName")).OfType<string>().Distinct().ToList();
                var group = Str(q, "dBParameterGroupName") ?? Str(q, "dBClusterParameterGroupName") ?? r.Resource.Name;
                return new($"changed parameters of {group}" + (names.Count == 0 ? "" : $": {Join(names)}"),
                    names.Select(n => $"parameter: {n}").ToList(), [HistoryAspect.DatabaseParameters]);
            }
        }
        return null;
    }

    // --- reading the parameters -------------------------------------------------------------------------------------

    /// <summary>A string parameter as shown: what the service masked stays masked.</summary>
    private static string? Str(JsonElement element, string name) => TrailRecord.Text(element, name) is { } text ? Shown(text) : null;

    /// <summary>Values CloudTrail or the service masked (<c>HIDDEN_DUE_TO_SECURITY_REASONS</c>, <c>****</c>) are shown as "(hidden)".</summary>
    private static string Shown(string value) =>
        value == "HIDDEN_DUE_TO_SECURITY_REASONS" || (value.Length > 0 && value.All(c => c == '*')) ? "(hidden)" : value;

    private static bool Has(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    private static JsonElement Obj(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : default;

    private static string? Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.Number => value.TryGetInt64(out var n) ? n.ToString(CultureInfo.InvariantCulture) : value.GetDouble().ToString(CultureInfo.InvariantCulture),
                JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) => s.ToString(CultureInfo.InvariantCulture),
                _ => null,
            }
            : null;

    private static bool? Bool(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.String when bool.TryParse(value.GetString(), out var b) => b,
                _ => null,
            }
            : null;

    /// <summary>An array of strings (Lambda's subnet ids, RDS's security groups), or EC2's <c>{"items": [...]}</c> of them.</summary>
    private static List<string> Strings(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value)) return [];
        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("items", out var items)) value = items;
        return value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => Shown(TrailRecord.Clean(v.GetString()!))).ToList()
            : [];
    }

    /// <summary>EC2's lists: <c>{"items": [...]}</c>.</summary>
    private static IEnumerable<JsonElement> Items(JsonElement element, string name) =>
        Obj(element, name) is { ValueKind: JsonValueKind.Object } wrapper && wrapper.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray()
            : [];

    private static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray()
            : [];

    private static string Join(IEnumerable<string> items) => items.Any() ? string.Join(", ", items) : "none";

    /// <summary>"runtime to python3.11", "timeout to 3 s" -> "runtime to python3.11 and timeout to 3 s"; three or more with "; ".</summary>
    private static string Phrases(IEnumerable<string> phrases)
    {
        var list = phrases.ToList();
        return list.Count <= 2 ? string.Join(" and ", list) : string.Join("; ", list[..^1]) + "; and " + list[^1];
    }
}
