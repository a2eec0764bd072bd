BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    Set-TestAwsEnvironment
    $script:Moto = Reset-TestMoto
    $script:Seed = Invoke-Scenario rotation_checks
    $env:AWS_ENDPOINT_URL = $Moto

    # Problems only: Info findings (a check that could not run here, e.g. moto's unreachable code location) aside.
    function Get-CheckIds($Diagnosis) { @($Diagnosis.Findings | Where-Object Severity -ne Info | ForEach-Object CheckId) }
}

AfterAll { Remove-Item Env:AWS_ENDPOINT_URL -ErrorAction SilentlyContinue }

Describe 'Test-SecretRotation' {
    Context 'each check fires on its broken secret and stays quiet on the healthy one' {
        BeforeAll {
            $script:All = Test-SecretRotation -All
            $script:ByName = @{}
            foreach ($d in $All) { $ByName[$d.Name] = $d }
        }

        It 'diagnoses every secret once, typed' {
            $All | Should -HaveCount $Seed.secrets.PSObject.Properties.Name.Count
            $All[0].PSObject.TypeNames | Should -Contain 'RotationTroubleshooter.RotationDiagnosis'
        }

        It 'finds nothing wrong with the healthy secret' {
            $ByName['checks/healthy'].Status | Should -Be 'Healthy'
            Get-CheckIds $ByName['checks/healthy'] | Should -BeNullOrEmpty
        }

        It '<Name> is <Status> with <CheckId>' -ForEach @(
            @{ Name = 'checks/not-configured'; Status = 'NotConfigured'; CheckId = 'RotationNotConfigured'; Severity = 'Info' }
            @{ Name = 'checks/disabled'; Status = 'Warning'; CheckId = 'RotationDisabled'; Severity = 'Warning' }
            @{ Name = 'checks/function-missing'; Status = 'Failing'; CheckId = 'RotationFunctionMissing'; Severity = 'Error' }
            @{ Name = 'checks/no-permission'; Status = 'Failing'; CheckId = 'InvokePermissionMissing'; Severity = 'Error' }
            @{ Name = 'checks/permission-other-secret'; Status = 'Failing'; CheckId = 'InvokePermissionMissing'; Severity = 'Error' }
            @{ Name = 'checks/short-timeout'; Status = 'Warning'; CheckId = 'FunctionTimeoutTooShort'; Severity = 'Warning' }
            @{ Name = 'checks/no-endpoint-variable'; Status = 'Warning'; CheckId = 'SecretsManagerEndpointVariableMissing'; Severity = 'Warning' }
            @{ Name = 'checks/endpoint-wrong-region'; Status = 'Failing'; CheckId = 'SecretsManagerEndpointVariableWrongRegion'; Severity = 'Error' }
            @{ Name = 'checks/old-runtime'; Status = 'Warning'; CheckId = 'FunctionRuntimeDeprecated'; Severity = 'Warning' }
            @{ Name = 'checks/pending-stuck'; Status = 'Failing'; CheckId = 'PendingVersionStuck'; Severity = 'Error' }
            @{ Name = 'checks/not-json'; Status = 'Failing'; CheckId = 'SecretNotJson'; Severity = 'Error' }
            @{ Name = 'checks/key-missing'; Status = 'Failing'; CheckId = 'SecretJsonKeyMissing'; Severity = 'Error' }
            @{ Name = 'checks/engine-mismatch'; Status = 'Failing'; CheckId = 'EngineMismatch'; Severity = 'Error' }
            @{ Name = 'checks/master-missing'; Status = 'Failing'; CheckId = 'MasterSecretUnreadable'; Severity = 'Error' }
            @{ Name = 'checks/kms-no-permission'; Status = 'Failing'; CheckId = 'CustomerManagedKeyNeedsRolePermission'; Severity = 'Error' }
        ) {
            $d = $ByName[$Name]
            $d.Status | Should -Be $Status
            @($d.Findings | Where-Object Severity -eq $Severity | ForEach-Object CheckId) | Should -Be @($CheckId)
            $finding = $d.Findings | Where-Object CheckId -eq $CheckId
            $finding.Severity | Should -Be $Severity
            $finding.Remediation | Should -Not -BeNullOrEmpty
            $finding.HelpUri | Should -Match '^https://docs\.aws\.amazon\.com/'
            $finding.Evidence | Should -Not -BeNullOrEmpty
        }

        It 'stays quiet when the role may use the customer managed key' {
            $ByName['checks/kms-allowed'].Status | Should -Be 'Healthy'
        }

        It 'names the condition that excludes the secret from the invoke permission' {
            ($ByName['checks/permission-other-secret'].Findings | Where-Object CheckId -eq InvokePermissionMissing).Evidence -join "`n" | Should -Match 'some/other/secret'
        }

        It 'says which keys are missing, and never a value' {
            $finding = $ByName['checks/key-missing'].Findings | Where-Object CheckId -eq SecretJsonKeyMissing
            $finding.Message | Should -Match 'lacks host'
            $finding.Evidence -join "`n" | Should -Match 'Keys present: engine, port, username, password, dbname'
            $All | ConvertTo-Json -Depth 10 | Should -Not -Match 'Canary-'
        }

        It 'says since when a pending version is stuck and how to remove the label' {
            $finding = $ByName['checks/pending-stuck'].Findings | Where-Object CheckId -eq PendingVersionStuck
            $finding.Evidence -join "`n" | Should -Match 'was created \d{4}-\d\d-\d\d'
            $finding.Remediation | Should -Match 'Update-SECSecretVersionStage .*-RemoveFromVersionId'
        }
    }

    Context 'recorded AWS answers for what moto cannot produce' {
        BeforeAll {
            $script:Proxy = Start-AwsProxy -Recorded 'diagnosis.json'
        }
        AfterAll { Stop-AwsProxy $Proxy }

        It 'reports an overdue rotation' {
            $d = Test-SecretRotation -SecretId checks/overdue -EndpointUrl $Proxy.Url
            $d.Status | Should -Be 'Failing'
            Get-CheckIds $d | Should -Contain 'RotationOverdue'
            ($d.Findings | Where-Object CheckId -eq RotationOverdue).Message | Should -Match 'was due 2024-05-20'
        }

        It 'turns denied calls into CheckSkipped findings naming the permission, and still answers' {
            $d = Test-SecretRotation -SecretId checks/short-timeout -EndpointUrl $Proxy.Url
            # One finding per id: every check that could not run is named in the one CheckSkipped finding.
            $skipped = @($d.Findings | Where-Object CheckId -eq CheckSkipped)
            $skipped | Should -HaveCount 1
            $skipped.Message -join "`n" | Should -Match 'lambda:GetPolicy'
            $skipped.Message -join "`n" | Should -Match 'secretsmanager:GetSecretValue'
            $skipped | ForEach-Object { $_.Severity | Should -Be 'Info' }
            Get-CheckIds $d | Should -Contain 'FunctionTimeoutTooShort'
            $d.Status | Should -Be 'Warning'
        }

        It 'is Unknown when the rotation function cannot be read' {
            $d = Test-SecretRotation -SecretId checks/no-endpoint-variable -EndpointUrl $Proxy.Url
            $d.Status | Should -Be 'Unknown'
            ($d.Findings | Where-Object CheckId -eq CheckSkipped).Message | Should -Match 'lambda:GetFunction'
        }
    }

    Context 'input' {
        It 'binds names piped as strings, SecretListEntry-shaped objects by ARN, and DescribeSecret output' {
            $fromString = 'checks/no-permission' | Test-SecretRotation
            $fromEntry = [pscustomobject]@{ ARN = $Seed.secrets.'pending-stuck'; Name = 'ignored' } | Test-SecretRotation
            $fromDescribe = [pscustomobject]@{ ARN = $Seed.secrets.healthy; Name = 'checks/healthy'; RotationEnabled = $true; RotationLambdaARN = 'x'; VersionIdsToStages = @{} } | Test-SecretRotation

            $fromString.Name | Should -Be 'checks/no-permission'
            $fromEntry.Name | Should -Be 'checks/pending-stuck'
            $fromDescribe.Status | Should -Be 'Healthy'
        }

        It 'without input diagnoses only the secrets that have rotation configured' {
            $names = (Test-SecretRotation).Name
            $names | Should -Not -Contain 'checks/not-configured'
            $names | Should -Contain 'checks/healthy'
        }

        It 'runs only the chosen checks, and rejects an unknown check id' {
            $d = Test-SecretRotation -SecretId checks/short-timeout -Check FunctionTimeoutTooShort
            Get-CheckIds $d | Should -Be @('FunctionTimeoutTooShort')
            (Test-SecretRotation -SecretId checks/short-timeout -ExcludeCheck FunctionTimeoutTooShort).Status | Should -Be 'Healthy'
            { Test-SecretRotation -SecretId checks/healthy -Check NoSuchCheck -ErrorAction Stop } | Should -Throw '*Unknown check id NoSuchCheck*'
            $error[0].FullyQualifiedErrorId | Should -BeLike 'UnknownCheckId*'
        }

        It 'takes any finding id a diagnosis can carry, in any case, and keeps only that finding' {
            Get-CheckIds (Test-SecretRotation -SecretId checks/engine-mismatch -Check enginemismatch) | Should -Be @('EngineMismatch')
            Get-CheckIds (Test-SecretRotation -SecretId checks/disabled -Check RotationDisabled) | Should -Be @('RotationDisabled')
            (Test-SecretRotation -SecretId checks/disabled -ExcludeCheck rotationdisabled).Status | Should -Be 'Healthy'
            foreach ($id in 'NoRouteToSecretsManager', 'DatabaseUnreachable', 'pendingversionstuck', 'CurrentCredentialsRejected', 'CheckSkipped') {
                $d = Test-SecretRotation -SecretId checks/healthy -Check $id -ErrorAction Stop
                $d.Status | Should -Be 'Healthy' -Because "-Check $id runs the checks that raise it"
            }
        }

        It 'tab-completes check and finding ids, with what each means' {
            $line = 'Test-SecretRotation -Check Invoke'
            $completion = TabExpansion2 -inputScript $line -cursorColumn $line.Length
            $completion.CompletionMatches.CompletionText | Should -Contain 'InvokePermissionMissing'
            $line = 'Test-SecretRotation -ExcludeCheck noroute'
            $match = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | Select-Object -First 1
            $match.CompletionText | Should -Be 'NoRouteToSecretsManager'
            $match.ToolTip | Should -Match 'no network path to Secrets Manager'
        }

        It 'never calls GetSecretValue with -SkipSecretValue' {
            $proxy = Start-AwsProxy
            try {
                $d = Test-SecretRotation -SecretId checks/key-missing -SkipSecretValue -EndpointUrl $proxy.Url
                $d.Status | Should -Be 'Healthy'
                (Get-ProxyCount $proxy)['secretsmanager:GetSecretValue'] | Should -BeNullOrEmpty
            }
            finally { Stop-AwsProxy $proxy }
        }

        It 'answers the other secrets when one does not exist' {
            $d = 'checks/healthy', 'checks/nope', 'checks/no-permission' | Test-SecretRotation -ErrorVariable failures -ErrorAction SilentlyContinue
            $d | Should -HaveCount 2
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'SecretNotFound,*'
        }
    }

    Context 'a fleet sharing two functions' {
        It 'reads each function and its policy once per run, and the values twenty at a time' {
            Reset-TestMoto | Out-Null
            $fleet = Invoke-Scenario shared_functions
            $proxy = Start-AwsProxy
            try {
                $d = Test-SecretRotation -EndpointUrl $proxy.Url
                $d | Should -HaveCount 50
                ($d | Where-Object Status -ne Healthy) | Should -BeNullOrEmpty
                $counts = Get-ProxyCount $proxy
                $counts['lambda:GetFunction'] | Should -Be 2
                $counts['lambda:GetPolicy'] | Should -Be 2
                $counts['secretsmanager:ListSecrets'] | Should -Be 1
                $counts['secretsmanager:DescribeSecret'] | Should -BeNullOrEmpty
                # The 50 values 20 at a time, none one by one.
                $counts['secretsmanager:BatchGetSecretValue'] | Should -Be 3
                $counts['secretsmanager:GetSecretValue'] | Should -BeNullOrEmpty
            }
            finally { Stop-AwsProxy $proxy }
        }
    }

    Context 'display' {
        It 'shows Name, Status and the first problem in the default table' {
            Reset-TestMoto | Out-Null
            Invoke-Scenario rotation_checks | Out-Null
            $text = Test-SecretRotation -SecretId checks/no-permission, checks/healthy | Out-String -Width 120
            $text | Should -Match 'Name\s+Status\s+OwningService\s+Cause\s+Summary'
            # A missing invoke permission is its own cause.
            $text | Should -Match 'checks/no-permission\s+Failing\s+InvokePermissionMissing\s+Secrets Manager may not invoke'
            $text | Should -Match 'checks/healthy\s+Healthy'
            $text -split "`n" | ForEach-Object { $_.TrimEnd().Length } | Measure-Object -Maximum | ForEach-Object Maximum | Should -BeLessOrEqual 120
        }
    }

    Context 'the cause RDS records, from a machine where the database''s name does not resolve' {
        BeforeAll {
            Reset-TestMoto | Out-Null
            Invoke-Scenario database_records | Out-Null
            $script:Recorded = @{}
            foreach ($d in 'records/stopped', 'records/tls-param', 'records/proxy-tls', 'records/wrong-port' | Test-SecretRotation) { $Recorded[$d.Name] = $d }
        }

        It '<Name> is Failing with the Confirmed cause <Cause>, naming the record' -ForEach @(
            @{ Name = 'records/stopped'; Cause = 'DatabaseNotAvailable'; Record = 'DB instance orders is stopped, as RDS records it' }
            @{ Name = 'records/tls-param'; Cause = 'DatabaseRequiresTlsSecretDisablesIt'; Record = 'refuses plain connections: rds\.force_ssl = 1 \(parameter group reports-tls' }
            @{ Name = 'records/proxy-tls'; Cause = 'ProxyRequiresTls'; Record = 'RDS Proxy orders-proxy requires TLS of its clients \(RequireTLS is true' }
            @{ Name = 'records/wrong-port'; Cause = 'DatabasePortNotEndpoint'; Record = "The secret's port is 5433, but DB cluster reports listens on 5432" }
        ) {
            $d = $Recorded[$Name]
            ($d.Status, $d.Cause) | Should -Be @('Failing', $Cause)
            $assessment = $d.Causes | Where-Object Id -eq $Cause
            $assessment.Verdict | Should -Be 'Confirmed'
            $assessment.Evidence -join "`n" | Should -Match $Record
            # The probe saw nothing from here: the record alone decided.
            $d.Findings.CheckId | Should -Contain 'DatabaseProbeNotConclusive'
        }

        It 'rules the TLS causes out where the record says the database accepts plain connections' {
            $stopped = $Recorded['records/stopped'].Causes
            ($stopped | Where-Object Id -eq DatabaseHostNotEndpoint).Verdict | Should -Be 'RuledOut'
            ($stopped | Where-Object Id -eq DatabasePortNotEndpoint).Verdict | Should -Be 'RuledOut'
        }
    }

    Context 'the newest rotation attempt in the logs, for each problem in AWS''s troubleshooting guide' {
        BeforeAll {
            Reset-TestMoto | Out-Null
            Invoke-Scenario demo_rotations | Out-Null
            # The functions' code as the demo serves it (demo/reports-db's bundles libpq 9.4).
            Import-Module (Join-Path $PSScriptRoot '../TestServices.psm1')
            $script:DemoCode = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "rt-demo-code-$([guid]::NewGuid().ToString('N'))")
            $script:DemoProxy = Start-AwsProxy -CodeDirectory (New-DemoFunctionCode $env:RT_MOTO_URL $DemoCode)
            $script:Demo = @{}
            foreach ($d in Test-SecretRotation -EndpointUrl $DemoProxy.Url) { $Demo[$d.Name] = $d }
        }
        AfterAll {
            Stop-AwsProxy $DemoProxy
            Remove-Item $DemoCode -Recurse -Force -ErrorAction SilentlyContinue
        }

        It '<Name> is Failing with <CheckId>' -ForEach @(
            @{ Name = 'demo/orders-db'; CheckId = 'TimeoutReachingSecretsManager' }
            @{ Name = 'demo/billing-db'; CheckId = 'StalledAfterCreateSecret' }
            @{ Name = 'demo/inventory-db'; CheckId = 'SecretJsonKeyMissing' }
            @{ Name = 'demo/payments-db'; CheckId = 'DatabaseUnreachable' }
            @{ Name = 'demo/reports-db'; CheckId = 'DatabaseLoginRejected' }
            @{ Name = 'demo/analytics-db'; CheckId = 'InvokePermissionMissing' }
            @{ Name = 'demo/crm-db'; CheckId = 'PendingVersionStuck' }
        ) {
            $Demo[$Name].Status | Should -Be 'Failing'
            $finding = $Demo[$Name].Findings | Where-Object CheckId -eq $CheckId | Select-Object -First 1
            $finding.Severity | Should -Be 'Error'
            $finding.Remediation | Should -Not -BeNullOrEmpty
        }

        It '<Name> says why: its Cause is <Cause>' -ForEach @(
            @{ Name = 'demo/analytics-db'; Cause = 'InvokePermissionMissing' }
            @{ Name = 'demo/billing-db'; Cause = 'PendingVersionStuck' }
            @{ Name = 'demo/inventory-db'; Cause = 'SecretJsonKeyMissing' }
            @{ Name = 'demo/payments-db'; Cause = 'DatabaseNotAvailable' }
            @{ Name = 'demo/orders-db'; Cause = 'NoRouteToSecretsManager' }
            @{ Name = 'demo/reports-db'; Cause = 'DatabaseRequiresScramButFunctionLibpqTooOld' }
        ) {
            $Demo[$Name].Cause | Should -Be $Cause
            $Demo[$Name].Findings[0].CheckId | Should -Be $Cause
        }

        It 'fills the Cause column for every failing secret of the demo' {
            $failing = @($Demo.Values | Where-Object Status -eq Failing)
            $failing.Count | Should -Be 7
            $failing | Where-Object { -not $_.Cause } | ForEach-Object Name | Should -BeNullOrEmpty
        }

        It 'confirms the missing route to Secrets Manager from the VPC''s records' {
            $route = $Demo['demo/orders-db'].Causes | Where-Object Id -eq NoRouteToSecretsManager
            $route.Verdict | Should -Be 'Confirmed'
            $route.Evidence -join "`n" | Should -Match 'rtb-'
        }

        It 'names RDS''s record as the evidence of a stopped database' {
            ($Demo['demo/payments-db'].Causes | Where-Object Id -eq DatabaseNotAvailable).Evidence -join "`n" |
                Should -Match 'DB instance payments is stopped, as RDS records it'
        }

        It 'keeps the step transcript as evidence' {
            $finding = $Demo['demo/payments-db'].Findings | Where-Object CheckId -eq DatabaseUnreachable
            $finding.Evidence -join "`n" | Should -Match 'setSecret'
        }

        It 'says the healthy one succeeded' {
            $Demo['demo/healthy-db'].Status | Should -Be 'Healthy'
            ($Demo['demo/healthy-db'].Findings | Where-Object CheckId -eq Succeeded).Severity | Should -Be 'Info'
        }
    }

    Context 'the bundled libpq of PostgreSQL rotation functions' {
        BeforeAll {
            $root = Resolve-Path (Join-Path $PSScriptRoot '../..')
            Reset-TestMoto | Out-Null
            $script:Work = (New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "rt-diag-libpq-$([guid]::NewGuid().ToString('N'))")).FullName
            & bash (Join-Path $root 'tests/native/install-native-tools.sh')
            $built = & bash (Join-Path $root 'tests/native/build-libpq-fixtures.sh') (Join-Path $Work 'fixtures') 2>&1
            if ($LASTEXITCODE -ne 0) { throw "Building the native fixtures failed:`n$($built -join "`n")" }
            $env:RT_FIXTURES = Join-Path $Work 'fixtures'
            $env:RT_CODE_DIR = Join-Path $Work 'code'
            Invoke-Scenario libpq_bundles | Out-Null
            $script:CodeProxy = Start-AwsProxy -CodeDirectory (Join-Path $Work 'code')
        }
        AfterAll {
            Stop-AwsProxy $CodeProxy
            Remove-Item Env:RT_FIXTURES, Env:RT_CODE_DIR -ErrorAction SilentlyContinue
            Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue
        }

        It 'warns when the libpq cannot do scram-sha-256, and not when it can' {
            $old = Test-SecretRotation -SecretId prod/pg/old -EndpointUrl $CodeProxy.Url
            $new = Test-SecretRotation -SecretId prod/pg/new -EndpointUrl $CodeProxy.Url

            $finding = $old.Findings | Where-Object CheckId -eq LibpqLacksScram
            $finding.Severity | Should -Be 'Warning'
            $finding.Message | Should -Match 'libpq 9 '
            $new.Findings.CheckId | Should -Not -Contain 'LibpqLacksScram'
        }
    }
}
