BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    Set-TestAwsEnvironment
    $script:Moto = Reset-TestMoto
    # Every network variant in its own VPC, with a function in it, an RDS instance and a secret naming that instance.
    $script:Seed = Invoke-Scenario rotation_network
    $PSDefaultParameterValues['Test-RotationNetwork:EndpointUrl'] = $Moto

    $secrets = $Seed.PSObject.Properties | Where-Object { $_.Value -is [pscustomobject] -and $_.Value.secret } | ForEach-Object { $_.Value.secret }
    $script:Reports = @{}
    $secrets | Test-RotationNetwork | ForEach-Object { $Reports[$_.FunctionName] = $_ }

    function Get-Evidence($Report, [string] $CheckId) { ($Report.Findings | Where-Object CheckId -eq $CheckId).Evidence }
}

AfterAll {
    $PSDefaultParameterValues.Remove('Test-RotationNetwork:EndpointUrl')
}

Describe 'Test-RotationNetwork' {
    Context 'blocked variants name the blocking rule' {
        It '<Scenario>: <CheckId> on the <Path> path' -TestCases @(
            @{ Scenario = 'no-route'; CheckId = 'NoRouteToSecretsManager'; Path = 'SecretsManager'; Evidence = { '^main route table rtb-\w+ has no 0\.0\.0\.0/0 route' } }
            @{ Scenario = 'nat-in-private-subnet'; CheckId = 'NoRouteToSecretsManager'; Path = 'SecretsManager'; Evidence = { "^$($s.natGatewayId) is in subnet-\w+, whose main route table rtb-\w+ has no 0\.0\.0\.0/0 route to an internet gateway of $($s.vpcId)" } }
            @{ Scenario = 'function-in-public-subnet'; CheckId = 'NoRouteToSecretsManager'; Path = 'SecretsManager'; Evidence = { "routes 0\.0\.0\.0/0 to $($s.internetGatewayId), but Lambda network interfaces have no public IP" } }
            @{ Scenario = 'private-dns-off'; CheckId = 'EndpointPrivateDnsDisabled'; Path = 'SecretsManager'; Evidence = { "^$($s.endpointId) PrivateDnsEnabled=false" } }
            @{ Scenario = 'endpoint-sg-other-source'; CheckId = 'EndpointSecurityGroupBlocksFunction'; Path = 'SecretsManager'; Evidence = { "^$($s.endpointGroup): no ingress rule allows tcp 443 from .*$($s.functionGroups[0])" } }
            @{ Scenario = 'function-sg-no-https'; CheckId = 'FunctionSecurityGroupBlocksHttps'; Path = 'SecretsManager'; Evidence = { "^$($s.functionGroups[0]): no egress rule allows tcp 443" } }
            @{ Scenario = 'nacl-deny-shadows-allow'; CheckId = 'NetworkAclBlocksHttps'; Path = 'SecretsManager'; Evidence = { "^$($s.networkAclId) outbound rule 90 denies tcp 443" } }
            @{ Scenario = 'endpoint-nacl-blocks-replies'; CheckId = 'NetworkAclBlocksHttps'; Path = 'SecretsManager'; Evidence = { "^$($s.networkAclId) outbound: no rule allows tcp 1024-65535" } }
            @{ Scenario = 'endpoint-policy-deny'; CheckId = 'EndpointPolicyDeniesFunction'; Path = 'SecretsManager'; Evidence = { "^$($s.endpointId) policy: statement 2 \(Sid NoWrites\) denies secretsmanager:PutSecretValue on $([regex]::Escape($s.secret))" } }
            @{ Scenario = 'db-sg-blocks'; CheckId = 'DatabaseSecurityGroupBlocksFunction'; Path = 'Database'; Evidence = { "^$($s.database.groups[0]): no ingress rule allows tcp 5432 from" } }
            @{ Scenario = 'function-sg-https-only'; CheckId = 'FunctionSecurityGroupBlocksDatabase'; Path = 'Database'; Evidence = { "^$($s.functionGroups[0]): no egress rule allows tcp 5432" } }
            @{ Scenario = 'db-nacl-blocks'; CheckId = 'NetworkAclBlocksDatabase'; Path = 'Database'; Evidence = { "^$($s.networkAclId) inbound rule 50 denies tcp 5432" } }
            @{ Scenario = 'db-other-vpc'; CheckId = 'DatabaseInOtherVpc'; Path = 'Database'; Evidence = { "^main route table rtb-\w+ has no route to subnet-\w+ \(10\.1\.21\.0/24\) in $($s.database.vpcId)" } }
        ) {
            $s = $Seed.$Scenario
            $report = $Reports[$Scenario]

            $report.Findings.CheckId | Should -Contain $CheckId
            ($report.Findings | Where-Object CheckId -eq $CheckId).Severity | Should -Be 'Error'
            @(Get-Evidence $report $CheckId) -match (& $Evidence) | Should -Not -BeNullOrEmpty -Because "an evidence line should match $(& $Evidence)"
            $blocked = if ($Path -eq 'Database') { $report.DatabasePath } else { $report.SecretsManagerPath }
            $blocked.Verdict | Should -Be 'Blocked'
            $blocked.Hops | Where-Object Allowed -eq $false | Select-Object -First 1 -ExpandProperty Rule | Should -Be $blocked.Reason
            $other = if ($Path -eq 'Database') { $report.SecretsManagerPath } else { $report.DatabasePath }
            $other.Verdict | Should -Not -Be 'Blocked'
        }

        It 'warns, without blocking, when the endpoint misses one of the function''s Availability Zones' {
            $report = $Reports['endpoint-other-az']

            $report.Findings.CheckId | Should -Be @('EndpointNotInFunctionAvailabilityZone')
            $report.Findings[0].Severity | Should -Be 'Warning'
            $evidence = Get-Evidence $report 'EndpointNotInFunctionAvailabilityZone'
            $evidence | Should -HaveCount 2
            $evidence -match "^$($Seed.'endpoint-other-az'.endpointId) subnets are in us-east-1c; function subnet subnet-\w+ is in us-east-1a$" | Should -HaveCount 1
            $evidence -match "^$($Seed.'endpoint-other-az'.endpointId) subnets are in us-east-1c; function subnet subnet-\w+ is in us-east-1b$" | Should -HaveCount 1
            $report.SecretsManagerPath.Verdict | Should -Be 'Reachable'
        }

        It 'says Unknown, never Reachable, when an endpoint policy Condition decides' {
            $report = $Reports['endpoint-policy-condition']

            $report.SecretsManagerPath.Verdict | Should -Be 'Unknown'
            $report.SecretsManagerPath.Reason | Should -Match 'under a Condition that cannot be evaluated'
            $report.Findings | Where-Object Severity -eq 'Error' | Should -BeNullOrEmpty
        }
    }

    Context 'fixed twins stay quiet' {
        It '<Scenario> reaches Secrets Manager and its database with no finding' -TestCases @(
            @{ Scenario = 'endpoint-healthy' }, @{ Scenario = 'nat-healthy' }, @{ Scenario = 'endpoint-sg-cidr' },
            @{ Scenario = 'endpoint-sg-prefix-list' }, @{ Scenario = 'nacl-deny-after-allow' },
            @{ Scenario = 'endpoint-policy-deny-other-role' }, @{ Scenario = 'db-other-vpc-peered' }, @{ Scenario = 'cluster-reader' }
        ) {
            $report = $Reports[$Scenario]

            $report.Findings | Should -BeNullOrEmpty
            $report.SecretsManagerPath.Verdict | Should -Be 'Reachable'
            $report.DatabasePath.Verdict | Should -Be 'Reachable'
            $report.SecretsManagerPath.Hops + $report.DatabasePath.Hops | Where-Object Allowed -ne $true | Should -BeNullOrEmpty
        }
    }

    Context 'what the report describes' {
        It 'derives the VPC from the subnets (moto''s Lambda VpcConfig.VpcId is a placeholder) and lists the function''s network' {
            $report = $Reports['endpoint-healthy']
            $s = $Seed.'endpoint-healthy'

            $report.PSObject.TypeNames | Should -Contain 'RotationTroubleshooter.NetworkPathReport'
            $report.VpcId | Should -Be $s.vpcId
            $report.SubnetIds | Should -Be $s.functionSubnets
            $report.SecurityGroupIds | Should -Be $s.functionGroups
            $report.SecretArn | Should -Be $s.secret
            $report.SecretsManagerPath.Hops.Rule | Should -Contain "$($s.endpointId) has private DNS enabled: secretsmanager.us-east-1.amazonaws.com resolves to the endpoint"
        }

        It 'matches the secret''s host to the RDS instance, with its VPC, subnets and security groups' {
            $database = $Reports['db-other-vpc-peered'].Database
            $s = $Seed.'db-other-vpc-peered'

            $database.Host | Should -Be $s.dbHost
            $database.Port | Should -Be 5432
            $database.ResourceId | Should -Be 'db-other-vpc-peered-db'
            $database.VpcId | Should -Be $s.database.vpcId
            $database.SubnetIds | Should -Be $s.database.subnets
            $database.SecurityGroupIds | Should -Be $s.database.groups
            $Reports['db-other-vpc-peered'].DatabasePath.Hops.Rule -match "^main route table rtb-\w+ routes 10\.1\.0\.0/16 to $($s.peeringId) \(active, $($s.vpcId) <-> $($s.database.vpcId)\)$" |
                Should -Not -BeNullOrEmpty
        }

        It 'matches an Aurora reader endpoint to its cluster' {
            $Reports['cluster-reader'].Database.ResourceId | Should -Be 'orders-cluster'
            $Reports['cluster-reader'].Database.Host | Should -Be $Seed.'cluster-reader'.dbHost
            $Reports['cluster-reader'].Database.VpcId | Should -Be $Seed.'cluster-reader'.vpcId
        }

        It 'checks only the function''s side of a host that is not an RDS endpoint' {
            $report = $Reports['not-rds']

            $report.Database.ResourceId | Should -BeNullOrEmpty
            $report.DatabasePath.Verdict | Should -Be 'Unknown'
            $report.DatabasePath.Reason | Should -Be 'db.internal.example is not an RDS endpoint; only the function''s side is checked'
            $report.DatabasePath.Hops.Name | Should -Contain 'Function security groups outbound 5432'
        }

        It 'says a function outside a VPC reaches Secrets Manager publicly' {
            $report = $Reports['no-vpc']

            $report.VpcId | Should -BeNullOrEmpty
            $report.SecretsManagerPath.Verdict | Should -Be 'Reachable'
            $report.DatabasePath.Verdict | Should -Be 'Unknown'
        }

        It 'never shows the secret value' {
            $text = ($Reports.Values | Format-List | Out-String) + ($Reports.Values | ConvertTo-Json -Depth 8)

            $text | Should -Not -Match 'seed-only-password'
        }
    }

    Context 'a function on its own, and -SkipSecretValue' {
        It 'checks the path to Secrets Manager of a function by name, without a database' {
            $report = Test-RotationNetwork -FunctionName endpoint-healthy

            $report.SecretsManagerPath.Verdict | Should -Be 'Reachable'
            $report.SecretsManagerPath.Hops.Rule -match 'policy allows arn:aws:iam::123456789012:role/rotation-function-role the rotation actions on every secret' | Should -HaveCount 1
            $report.DatabasePath | Should -BeNullOrEmpty
            $report.SecretArn | Should -BeNullOrEmpty
        }

        It 'says Unknown when the endpoint policy depends on the secret, which a function alone does not name' {
            $report = Test-RotationNetwork -FunctionName endpoint-policy-deny

            $report.SecretsManagerPath.Verdict | Should -Be 'Unknown'
            $report.SecretsManagerPath.Reason | Should -Match 'statement 2 denies secretsmanager:PutSecretValue on some resources'
        }

        It 'does not call GetSecretValue with -SkipSecretValue, and leaves the database path out' {
            $proxy = Start-AwsProxy
            try {
                $report = Test-RotationNetwork -SecretId prod/db-sg-blocks -SkipSecretValue -EndpointUrl $proxy.Url
                $report.SecretsManagerPath.Verdict | Should -Be 'Reachable'
                $report.DatabasePath | Should -BeNullOrEmpty
                (Get-ProxyCount $proxy).Keys | Should -Not -Contain 'secretsmanager:GetSecretValue'
            }
            finally { Stop-AwsProxy $proxy }
        }
    }

    Context 'pipeline binding' {
        It 'binds secret names, ARNs and objects with ARN, and Lambda objects by FunctionName or RotationLambdaARN' {
            $byName = 'prod/no-route' | Test-RotationNetwork
            $byArn = [pscustomobject]@{ ARN = $Seed.'db-sg-blocks'.secret; Name = 'ignored' } | Test-RotationNetwork
            $byFunction = [pscustomobject]@{ FunctionName = 'nat-healthy' } | Test-RotationNetwork
            $byRotation = [pscustomobject]@{ RotationLambdaARN = 'arn:aws:lambda:us-east-1:123456789012:function:no-route' } | Test-RotationNetwork

            $byName.FunctionName | Should -Be 'no-route'
            $byArn.FunctionName | Should -Be 'db-sg-blocks'
            $byFunction.SecretsManagerPath.Verdict | Should -Be 'Reachable'
            $byRotation.SecretsManagerPath.Verdict | Should -Be 'Blocked'
        }

        It 'describes a VPC once for two functions that share it' {
            $proxy = Start-AwsProxy
            try {
                $reports = $Seed.'shared-1'.secret, $Seed.'shared-2'.secret | Test-RotationNetwork -EndpointUrl $proxy.Url
                $reports | Should -HaveCount 2
                $reports.VpcId | Select-Object -Unique | Should -Be $Seed.'shared-1'.vpcId
                $counts = Get-ProxyCount $proxy
                foreach ($operation in 'DescribeRouteTables', 'DescribeSecurityGroups', 'DescribeNetworkAcls', 'DescribeVpcEndpoints', 'DescribeNatGateways', 'DescribeInternetGateways') {
                    $counts["ec2:$operation"] | Should -Be 1 -Because "ec2:$operation is asked once per VPC"
                }
                # The VPC Lambda names is described at once: one listing of its subnets, no look-up of the function's.
                $counts['ec2:DescribeSubnets'] | Should -Be 1
                $counts['rds:DescribeDBInstances'] | Should -Be 1
                $counts['rds:DescribeDBClusters'] | Should -Be 1
                $counts['secretsmanager:GetSecretValue'] | Should -Be 2
            }
            finally { Stop-AwsProxy $proxy }
        }
    }

    Context 'errors and refusals' {
        It 'answers every other item when one fails, with stable error ids and categories' {
            $reports = 'prod/no-route', 'prod/does-not-exist', 'prod/unrotated', 'arn:aws:secretsmanager:bad' |
                Test-RotationNetwork -ErrorVariable failures -ErrorAction SilentlyContinue

            $reports.FunctionName | Should -Be 'no-route'
            $failures | Should -HaveCount 3
            $byId = $failures | Group-Object { $_.FullyQualifiedErrorId.Split(',')[0] } -AsHashTable
            $byId['SecretNotFound'].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $byId['SecretNotFound'].TargetObject | Should -Be 'prod/does-not-exist'
            $byId['RotationNotConfigured'].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $byId['InvalidArn'].CategoryInfo.Category | Should -Be 'InvalidArgument'
        }

        It 'reports a missing function as FunctionNotFound' {
            Test-RotationNetwork -FunctionName no-such-function -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'FunctionNotFound,*'
        }

        It 'leaves the database path Unknown, with a finding naming the denied call, when GetSecretValue or RDS is refused' {
            $proxy = Start-AwsProxy -Recorded 'network-secret-denied.json'
            try {
                $secretDenied, $rdsDenied = $Seed.'nat-healthy'.secret, $Seed.'endpoint-healthy'.secret | Test-RotationNetwork -EndpointUrl $proxy.Url -ThrottleLimit 1
                $secretDenied.DatabasePath.Verdict | Should -Be 'Unknown'
                Get-Evidence $secretDenied 'DatabasePathNotChecked' | Should -Be 'secretsmanager:GetSecretValue was denied, so the secret''s database host is unknown.'
                $secretDenied.SecretsManagerPath.Verdict | Should -Be 'Reachable'
                Get-Evidence $rdsDenied 'DatabasePathNotChecked' | Should -Match '^rds:DescribeDBInstances was denied, so endpoint-healthy-db\.\S+ could not be matched'
                ($rdsDenied.Findings | Where-Object CheckId -eq 'DatabasePathNotChecked').Severity | Should -Be 'Info'
            }
            finally { Stop-AwsProxy $proxy }
        }

        It 'says Unknown with NetworkPathNotChecked when EC2 refuses a describe call' {
            $proxy = Start-AwsProxy -Recorded 'network-ec2-denied.json'
            try {
                $report = Test-RotationNetwork -SecretId prod/no-route -EndpointUrl $proxy.Url
                $report.SecretsManagerPath.Verdict | Should -Be 'Unknown'
                $report.Findings.CheckId | Should -Be @('NetworkPathNotChecked')
                Get-Evidence $report 'NetworkPathNotChecked' | Should -Match 'EC2 refused UnauthorizedOperation'
            }
            finally { Stop-AwsProxy $proxy }
        }
    }

    Context 'round trips' {
        It 'looks up the secret''s database while it reads the function, and lists RDS instances and clusters at once' {
            # A long round trip, so that requests sent together overlap however busy the machine is.
            $proxy = Start-AwsProxy -LatencyMs 300
            try {
                $report = Test-RotationNetwork -SecretId $Seed.'endpoint-healthy'.secret -EndpointUrl $proxy.Url
                $requests = Get-ProxyRequest $proxy
                function Get-Request([string] $Op) { $requests | Where-Object op -eq $Op | Select-Object -First 1 }

                $report.DatabasePath.Verdict | Should -Be 'Reachable'
                (Get-Request 'secretsmanager:GetSecretValue').start | Should -BeLessThan (Get-Request 'lambda:GetFunction').end
                (Get-Request 'rds:DescribeDBInstances').start | Should -BeLessThan (Get-Request 'secretsmanager:GetSecretValue').end
                (Get-Request 'rds:DescribeDBClusters').start | Should -BeLessThan (Get-Request 'rds:DescribeDBInstances').end
            }
            finally { Stop-AwsProxy $proxy }
        }

        It 'Test-SecretRotation asks what the secret names at once, then the function''s VPC in one round trip' {
            $proxy = Start-AwsProxy -LatencyMs 300
            try {
                $d = Test-SecretRotation -SecretId $Seed.'endpoint-healthy'.secret -EndpointUrl $proxy.Url
                $requests = Get-ProxyRequest $proxy
                $describe = $requests | Where-Object op -eq 'secretsmanager:DescribeSecret'
                $function = $requests | Where-Object op -eq 'lambda:GetFunction'
                $ec2 = @($requests | Where-Object op -like 'ec2:*')

                $d.Findings.CheckId | Should -Not -Contain 'NetworkPathNotChecked'
                @($describe) + @($function) | Should -HaveCount 2
                # What DescribeSecret makes knowable is asked together: none of it waits for GetFunction.
                foreach ($op in 'lambda:GetPolicy', 'logs:FilterLogEvents', 'secretsmanager:GetSecretValue', 'rds:DescribeDBInstances', 'rds:DescribeDBClusters') {
                    $r = @($requests | Where-Object op -eq $op)
                    $r | Should -HaveCount 1 -Because "$op is asked once"
                    $r[0].start | Should -BeGreaterThan $describe.end -Because "$op needs the secret's description"
                    $r[0].start | Should -BeLessThan $function.end -Because "$op is asked alongside GetFunction"
                }
                # The VPC GetFunction names is described in one round: every describe is sent before any is answered.
                $ec2.op | Sort-Object | Should -Be @('ec2:DescribeInternetGateways', 'ec2:DescribeNatGateways', 'ec2:DescribeNetworkAcls',
                    'ec2:DescribeRouteTables', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcEndpoints')
                ($ec2.start | Measure-Object -Minimum).Minimum | Should -BeGreaterThan $function.end
                ($ec2.start | Measure-Object -Maximum).Maximum | Should -BeLessThan ($ec2.end | Measure-Object -Minimum).Minimum
            }
            finally { Stop-AwsProxy $proxy }
        }
    }

    Context 'EC2 goes through the pipeline every AWS call takes' {
        AfterEach { Remove-Item Env:RT_AWS_MAX_ATTEMPTS, Env:RT_AWS_BASE_DELAY_MS -ErrorAction SilentlyContinue }

        It 'retries EC2 when AWS throttles it, slows EC2 down and says both with -Verbose, then answers in full' {
            # EC2 at 5 requests/s with bursts of 3: a VPC's seven describes at once are partly throttled.
            $proxy = Start-AwsProxy -Throttle 'ec2=5/3'
            try {
                $out = Test-RotationNetwork -SecretId $Seed.'endpoint-healthy'.secret -EndpointUrl $proxy.Url -Verbose 4>&1
                $verbose = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
                $report = $out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
                $throttled = @(Get-ProxyRequest $proxy | Where-Object { $_.throttled -and $_.op -like 'ec2:*' })

                $throttled | Should -Not -BeNullOrEmpty
                $verbose -match '^ec2:Describe\w+: RequestLimitExceeded; retrying in \d' | Should -Not -BeNullOrEmpty
                $verbose -match '^ec2:Describe\w+ is throttled by AWS: slowing it to [\d.]+ requests/s' | Should -Not -BeNullOrEmpty
                $report.Findings.CheckId | Should -BeNullOrEmpty
                $report.SecretsManagerPath.Verdict | Should -Be 'Reachable'
                $report.DatabasePath.Verdict | Should -Be 'Reachable'
            }
            finally { Stop-AwsProxy $proxy }
        }

        It 'keeps EC2 to the attempt bound (RT_AWS_MAX_ATTEMPTS), then says NetworkPathNotChecked naming the throttling' {
            $env:RT_AWS_MAX_ATTEMPTS = '3'; $env:RT_AWS_BASE_DELAY_MS = '20'
            $proxy = Start-AwsProxy -Fault 'throttle:DescribeSubnets:1'
            try {
                $report = Test-RotationNetwork -SecretId $Seed.'endpoint-healthy'.secret -EndpointUrl $proxy.Url
                $attempts = @(Get-ProxyRecord $proxy | Where-Object operation -eq 'DescribeSubnets' | Group-Object body)

                $attempts | Should -HaveCount 1
                $attempts[0].Count | Should -Be 3
                $report.SecretsManagerPath.Verdict | Should -Be 'Unknown'
                Get-Evidence $report 'NetworkPathNotChecked' | Should -Match 'EC2 refused RequestLimitExceeded: ec2:DescribeSubnets failed'
            }
            finally { Stop-AwsProxy $proxy }
        }
    }

    Context 'display' {
        It 'shows function, VPC, both verdicts and the first blocking rule in 120 columns' {
            $text = $Reports['no-route'], $Reports['endpoint-healthy'] | Out-String -Width 120
            $lines = $text -split "`n" | Where-Object { $_.Trim() }

            $lines[0] | Should -Match '^FunctionName / VpcId\s+SecretsManagerPath\s+DatabasePath\s+Blocked or unknown because'
            $text | Should -Match "no-route\s+Blocked\s+Reachable\s+main route table rtb-"
            $text | Should -Match ([regex]::Escape($Seed.'no-route'.vpcId))
            $lines | Where-Object { $_.TrimEnd().Length -gt 120 } | Should -BeNullOrEmpty
        }

        It 'lists every hop with the rule that decided it' {
            $text = $Reports['db-sg-blocks'] | Format-List | Out-String -Width 200

            $text | Should -Match 'SecretsManager\s+: Reachable: The function reaches Secrets Manager through vpce-'
            $text | Should -Match "\[BLOCKED\] Database security groups inbound 5432: $($Seed.'db-sg-blocks'.database.groups[0]): no ingress rule"
            $text | Should -Match '\[ok\] Function security groups outbound 443'
            $text | Should -Match 'Findings\s+: Error DatabaseSecurityGroupBlocksFunction'
        }
    }
}
