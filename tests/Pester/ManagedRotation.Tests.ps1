# Secrets an AWS service rotates itself (managed rotation): RDS instances and Aurora clusters created with
# ManageMasterUserPassword in moto (tests/scenarios/managed_rotation.py), and recorded AWS answers for what moto cannot
# produce (an impaired MasterUserSecret, RDS events, a cron schedule long overdue, a Redshift cluster naming its managed
# admin secret).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    Set-TestAwsEnvironment
    $script:Moto = Reset-TestMoto
    $script:Seed = Invoke-Scenario managed_rotation
    $env:AWS_ENDPOINT_URL = $Moto

    function Get-ErrorId($ErrorRecord) { $ErrorRecord.FullyQualifiedErrorId.Split(',')[0] }
    # Problems only: the Info note about the function's checks aside.
    function Get-CheckIds($Diagnosis) { @($Diagnosis.Findings | Where-Object Severity -ne Info | ForEach-Object CheckId) }
}

AfterAll { Remove-Item Env:AWS_ENDPOINT_URL -ErrorAction SilentlyContinue }

Describe 'Managed rotation' {
    Context 'Test-SecretRotation -All against RDS and Aurora secrets' {
        BeforeAll {
            $script:All = Test-SecretRotation -All
            $script:ByLabel = @{}
            foreach ($label in $Seed.secrets.PSObject.Properties.Name) {
                $ByLabel[$label] = $All | Where-Object SecretArn -eq $Seed.secrets.$label
            }
        }

        It 'diagnoses every secret once' {
            $All | Should -HaveCount $Seed.secrets.PSObject.Properties.Name.Count
        }

        It 'says RDS rotates the <Label> secret, finds nothing wrong, and names the function checks that do not apply once' -ForEach @(
            @{ Label = 'orders' }, @{ Label = 'aurora' }, @{ Label = 'crm' }
        ) {
            $d = $ByLabel[$Label]
            $d.Status | Should -Be 'Healthy'
            $d.OwningService | Should -Be 'rds'
            $d.RotationEnabled | Should -BeTrue
            $d.RotationFunctionArn | Should -BeNullOrEmpty
            $d.Findings | Should -HaveCount 1
            $note = $d.Findings[0]
            $note.CheckId | Should -Be 'FunctionChecksNotApplicable'
            $note.Severity | Should -Be 'Info'
            $note.Message | Should -Match '^rds rotates this secret itself \(managed rotation\)'
            $note.Evidence -join "`n" | Should -Match 'Not applicable: .*InvokePermission.*LastRotationAttempt.*NetworkPath'
        }

        It '<Label> is <Status> with <CheckId>' -ForEach @(
            @{ Label = 'rotation-off'; Status = 'Warning'; CheckId = 'ManagedRotationDisabled'; Says = 'rds owns this secret .* rotation is turned off' }
            @{ Label = 'pending-stuck'; Status = 'Failing'; CheckId = 'PendingVersionStuck'; Says = 'AWSPENDING' }
            @{ Label = 'owner-deleted'; Status = 'Failing'; CheckId = 'ManagedSecretOwnerMissing'; Says = 'DB instance legacy-db that owns this secret no longer exists' }
            @{ Label = 'not-in-use'; Status = 'Failing'; CheckId = 'ManagedSecretNotInUse'; Says = 'DB instance crm-db .* now uses another secret' }
        ) {
            $d = $ByLabel[$Label]
            $d.Status | Should -Be $Status
            $d.OwningService | Should -Be 'rds'
            Get-CheckIds $d | Should -Be @($CheckId)
            $finding = $d.Findings | Where-Object CheckId -eq $CheckId
            $finding.Message | Should -Match $Says
            $finding.Remediation | Should -Not -BeNullOrEmpty
            $finding.HelpUri | Should -Match '^https://docs\.aws\.amazon\.com/'
            $finding.Evidence | Should -Not -BeNullOrEmpty
        }

        It 'tells how to have RDS rotate a secret whose rotation stopped halfway' {
            ($ByLabel['pending-stuck'].Findings | Where-Object CheckId -eq PendingVersionStuck).Remediation |
                Should -Match 'Edit-RDSDBInstance -DBInstanceIdentifier billing-db -RotateMasterUserPassword \$true -ApplyImmediately \$true'
        }

        It 'names the secret the owning instance uses instead' {
            ($ByLabel['not-in-use'].Findings | Where-Object CheckId -eq ManagedSecretNotInUse).Evidence -join "`n" |
                Should -Match ([regex]::Escape("SecretArn=$($Seed.secrets.crm)"))
        }

        It 'checks a Redshift secret against its cluster, which names no managed admin secret' {
            $d = $ByLabel['redshift-unmanaged']
            $d.OwningService | Should -Be 'redshift'
            $d.Status | Should -Be 'Failing'
            Get-CheckIds $d | Should -Be @('ManagedSecretNotInUse')
            ($d.Findings | Where-Object CheckId -eq ManagedSecretNotInUse).Message |
                Should -Be 'The Redshift cluster warehouse that owns this secret no longer has redshift manage its master password: nothing rotates this secret.'
        }

        It 'calls a secret another service owns, without rotation, NotConfigured and names its owner' {
            $d = $ByLabel['events-owned']
            $d.Status | Should -Be 'NotConfigured'
            $d.OwningService | Should -Be 'events'
            ($d.Findings | Where-Object CheckId -eq RotationNotConfigured).Message | Should -Match 'which events owns'
            $ByLabel['plain'].OwningService | Should -BeNullOrEmpty
        }

        It 'never prints a secret value' {
            $All | ConvertTo-Json -Depth 10 | Should -Not -Match 'Canary-'
        }
    }

    Context 'listing, display and what it reads' {
        It 'without input diagnoses every secret that rotates, by a function or by its owning service' {
            $arns = (Test-SecretRotation).SecretArn
            foreach ($label in 'orders', 'aurora', 'rotation-off', 'pending-stuck', 'owner-deleted', 'not-in-use', 'crm', 'redshift-unmanaged') {
                $arns | Should -Contain $Seed.secrets.$label -Because "$label rotates"
            }
            $arns | Should -Not -Contain $Seed.secrets.'events-owned'
            $arns | Should -Not -Contain $Seed.secrets.plain
        }

        It 'shows who rotates each secret in the default table' {
            $text = Test-SecretRotation -SecretId $Seed.secrets.orders, $Seed.secrets.'owner-deleted' | Out-String -Width 160
            $text | Should -Match 'Name\s+Status\s+OwningService\s+Cause\s+Summary'
            $text | Should -Match 'rds!db-legacy-leftover\s+Failing\s+rds\s+ManagedSecretOwnerMissing\s+The DB instance legacy-db'
            $text | Should -Match 'rds!db-\S+\s+Healthy\s+rds'
            (Test-SecretRotation -SecretId $Seed.secrets.orders | Format-List | Out-String) | Should -Match 'OwningService\s+: rds'
        }

        It 'reads the owner and its events, never the secret value or a Lambda function' {
            $proxy = Start-AwsProxy
            try {
                $d = Test-SecretRotation -SecretId $Seed.secrets.orders, $Seed.secrets.aurora -EndpointUrl $proxy.Url
                $d.Status | Should -Be 'Healthy', 'Healthy'
                $counts = Get-ProxyCount $proxy
                $counts['rds:DescribeDBInstances'] | Should -Be 1
                $counts['rds:DescribeDBClusters'] | Should -Be 1
                $counts['rds:DescribeEvents'] | Should -Be 2
                $counts['secretsmanager:GetSecretValue'] | Should -BeNullOrEmpty
                @($counts.Keys | Where-Object { $_ -like 'lambda:*' }) | Should -BeNullOrEmpty
            }
            finally { Stop-AwsProxy $proxy }
        }

        It 'takes the managed checks by id, and says which function checks were asked for in vain' {
            $d = Test-SecretRotation -SecretId $Seed.secrets.'owner-deleted' -Check ManagedSecretOwner, InvokePermissionMissing
            Get-CheckIds $d | Should -Be @('ManagedSecretOwnerMissing')
            ($d.Findings | Where-Object CheckId -eq FunctionChecksNotApplicable).Evidence | Should -Contain 'Not applicable: InvokePermission'
            (Test-SecretRotation -SecretId $Seed.secrets.'owner-deleted' -ExcludeCheck ManagedSecretOwnerMissing).Status | Should -Be 'Healthy'
        }
    }

    Context 'recorded AWS answers for what moto cannot produce' {
        BeforeAll { $script:Proxy = Start-AwsProxy -Recorded 'managed-rotation.json' }
        AfterAll { Stop-AwsProxy $Proxy }

        It 'reports an impaired secret, the KMS key to check, and the failure RDS recorded' {
            $d = Test-SecretRotation -SecretId 'rds!db-5e7d4c1a-0b2f-4c55-9d1e-payments' -EndpointUrl $Proxy.Url
            $d.Status | Should -Be 'Failing'
            $d.OwningService | Should -Be 'rds'
            Get-CheckIds $d | Should -Contain 'ManagedSecretImpaired'
            Get-CheckIds $d | Should -Contain 'OwningServiceReportedProblem'
            $impaired = $d.Findings | Where-Object CheckId -eq ManagedSecretImpaired
            $impaired.Evidence -join "`n" | Should -Match 'SecretStatus=impaired'
            $impaired.Remediation | Should -Match 'key/2f1e0d9c-8b7a-4655-a443-3322110f0e0d'
            $events = $d.Findings | Where-Object CheckId -eq OwningServiceReportedProblem
            $events.Evidence | Should -HaveCount 1
            $events.Evidence[0] | Should -Match '^2024-05-12 02:15Z DB instance payments-db: Unable to rotate the master user password'
        }

        It 'finds a Redshift-managed secret healthy when its cluster names it' {
            $d = Test-SecretRotation -SecretId 'redshift!analytics-admin' -EndpointUrl $Proxy.Url
            $d.OwningService | Should -Be 'redshift'
            $d.Status | Should -Be 'Healthy'
            $d.Findings.CheckId | Should -Be @('FunctionChecksNotApplicable')
            (Get-ProxyCount $Proxy)['redshift:DescribeClusters'] | Should -Be 1
        }

        It 'reports an Aurora secret whose cron schedule passed a whole window without a rotation' {
            $d = Test-SecretRotation -SecretId 'rds!cluster-9a3b2c1d-7e6f-4a5b-8c9d-ledger' -EndpointUrl $Proxy.Url
            $d.Status | Should -Be 'Failing'
            Get-CheckIds $d | Should -Be @('RotationOverdue')
            $overdue = $d.Findings | Where-Object CheckId -eq RotationOverdue
            $overdue.Message | Should -Be 'Rotation is overdue: the schedule (cron(0 4 ? * SUN *), 3h window) opened a window on 2024-05-12 04:00Z, the last rotation was 2024-05-05 04:20Z.'
            $overdue.Remediation | Should -Match 'Edit-RDSDBCluster -DBClusterIdentifier ledger-aurora -RotateMasterUserPassword'
        }
    }

    Context 'the cmdlets that read a rotation function' {
        It '<Cmdlet> says RDS rotates the secret and has no function, and answers the other secrets' -ForEach @(
            @{ Cmdlet = 'Get-RotationFunctionLog' }, @{ Cmdlet = 'Get-RotationFunctionAge' }
            @{ Cmdlet = 'Test-LibpqScramSupport' }, @{ Cmdlet = 'Test-RotationNetwork' }
        ) {
            $results = & $Cmdlet -SecretId $Seed.secrets.orders, 'managed/no-such-secret' -ErrorVariable failures -ErrorAction SilentlyContinue
            $results | Should -BeNullOrEmpty
            $failures | Should -HaveCount 2
            $managed = $failures | Where-Object { (Get-ErrorId $_) -eq 'RotatedByOwningService' }
            $managed | Should -HaveCount 1
            $managed.Exception.Message | Should -Match "^Secret 'rds!db-[^']+' is rotated by rds itself \(managed rotation\): it has no rotation function\."
            $managed.Exception.Message | Should -Match 'Test-SecretRotation -SecretId'
            $managed.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $managed.TargetObject | Should -Be $Seed.secrets.orders
            $failures | Where-Object { (Get-ErrorId $_) -eq 'SecretNotFound' } | Should -HaveCount 1
        }
    }
}
