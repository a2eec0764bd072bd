# Get-RotationHistory over two rotations broken by a change (tests/scenarios/rotation_history.py): the secrets and
# functions live in moto; CloudTrail's Event history is served by the proxy's fake (moto 5.2.1 has no LookupEvents).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    Set-TestAwsEnvironment
    $script:Moto = Reset-TestMoto
    $native = Initialize-NativeBundles history
    $script:Work = $native.Work
    # The proxy serves the orders function's bundle (moto's Code.Location names a host it does not serve).
    $script:Proxy = Start-AwsProxy -CodeDirectory $native.CodeDir
    $script:Seed = Invoke-Scenario rotation_history -ArgumentList $Proxy.Url
    $PSDefaultParameterValues['Get-RotationHistory:EndpointUrl'] = $Proxy.Url
}

AfterAll {
    Stop-AwsProxy $Proxy
    $PSDefaultParameterValues.Remove('Get-RotationHistory:EndpointUrl')
    Remove-Item Env:RT_FIXTURES, Env:RT_CODE_DIR -ErrorAction SilentlyContinue
    Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-RotationHistory' {
    It 'shows the runtime change alice made before the first failed rotation, oldest first, principals classified' {
        $timeline = @(Get-RotationHistory -SecretId prod/orders/db)

        $timeline.Count | Should -BeGreaterThan 5
        $timeline[0].PSObject.TypeNames | Should -Contain 'RotationTroubleshooter.RotationHistoryEvent'
        ($timeline.Time | ForEach-Object { $_.Ticks }) | Should -Be ($timeline.Time | Sort-Object | ForEach-Object { $_.Ticks })
        $timeline.SecretArn | Select-Object -Unique | Should -Be $Seed.world.orders.secret

        $change = $timeline | Where-Object EventName -eq 'UpdateFunctionConfiguration'
        $change.Principal.Arn | Should -Be 'arn:aws:iam::123456789012:user/alice'
        "$($change.Principal.Kind)" | Should -Be 'Other'
        $change.Source | Should -Be 'Lambda'
        $change.Resource | Should -Be 'orders-rotation'
        $change.Time | Should -Be ([datetime]::Parse($Seed.times.'runtime-change').ToUniversalTime())
        $change.Time.Kind | Should -Be 'Utc'
        $change.Summary | Should -Match 'python3\.11'
        $change.Changes -join ' ' | Should -Match 'runtime: python3\.11'

        $own = $timeline | Where-Object { $_.EventName -eq 'PutSecretValue' }
        "$($own.Principal.Kind)" | Should -Be 'RotationFunction'
        $failed = $timeline | Where-Object EventName -eq 'RotationFailed'
        $failed.Count | Should -Be 2
        "$($failed[0].Principal.Kind)" | Should -Be 'SecretsManager'
        $failed[0].Time | Should -BeGreaterThan $change.Time
    }

    It 'shows the write by the terraform-apply session after the last rotation' {
        $timeline = @(Get-RotationHistory -SecretId prod/billing/db)

        $write = $timeline | Where-Object { $_.EventName -eq 'PutSecretValue' -and $_.Principal.Kind -eq 'Other' }
        $write.Principal.Arn | Should -Be 'arn:aws:sts::123456789012:assumed-role/deployer/terraform-apply'
        $write.Time | Should -Be ([datetime]::Parse($Seed.times.'billing-outside-write').ToUniversalTime())
        $succeeded = $timeline | Where-Object EventName -eq 'RotationSucceeded'
        $write.Time | Should -BeGreaterThan $succeeded.Time
    }

    It 'takes secrets from the pipeline, one timeline per secret in input order, reads only with -IncludeReadOnly' {
        $both = @([pscustomobject]@{ ARN = $Seed.world.orders.secret }, [pscustomobject]@{ Name = 'prod/billing/db' } | Get-RotationHistory -Days 30)
        $names = @($both.SecretName | Select-Object -Unique)
        $names | Should -Be @('prod/orders/db', 'prod/billing/db')
        $both.EventName | Should -Not -Contain 'GetSecretValue'

        $withReads = Get-RotationHistory -SecretId prod/orders/db -IncludeReadOnly
        ($withReads | Where-Object EventName -eq 'GetSecretValue').ReadOnly | Should -BeTrue
    }

    It 'never shows a secret value, in objects, exports or the default table' {
        $all = @(Get-RotationHistory -SecretId prod/orders/db, prod/billing/db -IncludeReadOnly)
        $text = ($all | ConvertTo-Json -Depth 6) + ($all | ConvertTo-Csv | Out-String) +
            ($all | Format-List * | Out-String -Width 300) + ($all | Format-Table | Out-String -Width 300)
        $text | Should -Not -Match $Seed.canary
        $text | Should -Match 'UpdateFunctionConfiguration'
        ($all | Format-Table | Out-String -Width 300) | Should -Match 'SecretName: prod/orders/db'
    }

    It 'reads each resource once per run, within CloudTrail''s quota' {
        $since = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000.0
        $verbose = Get-RotationHistory -SecretId prod/orders/db, prod/orders/db, prod/billing/db -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $lookups = @(Get-ProxyRequest $Proxy | Where-Object { $_.op -eq 'cloudtrail:LookupEvents' -and $_.start -ge $since })
        $lookups.Count | Should -Be 4 -Because 'two secrets and two functions, each one page'
        @($lookups | Where-Object throttled).Count | Should -Be 0
        ($verbose.Message -join "`n") | Should -Match 'CloudTrail LookupEvents requests'
    }

    It 'shows the changes to the function''s network ACL and route table, the database''s security group and bob''s master password reset' {
        $ledger = $Seed.world.ledger
        $timeline = @(Get-RotationHistory -SecretId prod/ledger/db -WarningVariable warnings)

        $acl = $timeline | Where-Object EventName -eq 'ReplaceNetworkAclEntry'
        $acl.Resource | Should -Be $ledger.network_acl
        $acl.Principal.Arn | Should -Be 'arn:aws:iam::123456789012:user/carol'
        $acl.Time | Should -Be ([datetime]::Parse($Seed.times.'ledger-acl').ToUniversalTime())
        $acl.Summary | Should -Be "replaced outbound rule 100: allow all traffic to 0.0.0.0/0 in $($ledger.network_acl)"
        ($timeline | Where-Object EventName -eq 'CreateRoute').Resource | Should -Be $ledger.route_table
        ($timeline | Where-Object EventName -eq 'AuthorizeSecurityGroupIngress').Resource | Should -Be $ledger.database_group

        $reset = $timeline | Where-Object EventName -eq 'ModifyDBInstance'
        $reset.Resource | Should -Be $ledger.instance
        $reset.Principal.Arn | Should -Be 'arn:aws:iam::123456789012:user/bob'
        "$($reset.Principal.Kind)" | Should -Be 'Other'
        $reset.Summary | Should -Match 'master password'
        $reset.Changes | Should -Contain 'master password changed (not shown)'
        $reset.Time | Should -BeGreaterThan ($timeline | Where-Object EventName -eq 'RotationSucceeded').Time
        $warnings | Should -BeNullOrEmpty
    }

    It 'shows the changes to the database that owns a managed secret, found from its tags' {
        $timeline = @(Get-RotationHistory -SecretId $Seed.world.payments.secret -SkipSecretValue)
        $change = $timeline | Where-Object EventName -eq 'ModifyDBInstance'
        $change.Resource | Should -Be 'payments-db'
        $change.Principal.Arn | Should -Be 'arn:aws:iam::123456789012:user/dave'
        $change.Changes | Should -Contain 'RDS-managed master password: off'
        $timeline.EventName | Should -Contain 'AuthorizeSecurityGroupIngress' -Because "the database's security group is on its path"
    }

    It 'leaves the database out with -SkipSecretValue (its host is in the value), the function''s network still in' {
        $timeline = @(Get-RotationHistory -SecretId prod/ledger/db -SkipSecretValue)
        $timeline.EventName | Should -Not -Contain 'ModifyDBInstance'
        $timeline.EventName | Should -Not -Contain 'AuthorizeSecurityGroupIngress'
        $timeline.EventName | Should -Contain 'ReplaceNetworkAclEntry'
        $timeline.EventName | Should -Contain 'CreateRoute'
    }

    It 'warns, naming the denied action, when EC2 cannot describe the function''s network: those changes are left out' {
        $denied = Start-AwsProxy -Recorded 'network-ec2-denied.json'
        try {
            $timeline = @(Get-RotationHistory -SecretId prod/ledger/db -EndpointUrl $denied.Url -WarningVariable warnings -WarningAction SilentlyContinue)
            $warnings.Count | Should -Be 1
            "$($warnings[0])" | Should -Match "^prod/ledger/db: the timeline leaves out the changes to the route tables and network ACLs of $($Seed.world.ledger.vpc) .*ec2:DescribeRouteTables"
            $timeline.EventName | Should -Not -Contain 'ReplaceNetworkAclEntry'
        }
        finally { Stop-AwsProxy $denied }
    }

    It 'says which principal turned rotation off: CloudFormation''s service role, and a user' {
        $archive = Get-RotationHistory -SecretId prod/archive/db | Where-Object EventName -eq 'CancelRotateSecret'
        "$($archive.Principal.Kind)" | Should -Be 'CloudFormation'
        $archive.Principal.Arn | Should -Match 'role/cfn-deployer'
        $archive.Time | Should -Be ([datetime]::Parse($Seed.times.'archive-off').ToUniversalTime())
        $reports = Get-RotationHistory -SecretId prod/reports/db | Where-Object EventName -eq 'CancelRotateSecret'
        "$($reports.Principal.Kind)" | Should -Be 'Other'
        $reports.Principal.Arn | Should -Be 'arn:aws:iam::123456789012:user/dave'
    }

    It 'refuses -Days beyond CloudTrail''s 90 days' {
        { Get-RotationHistory -SecretId prod/orders/db -Days 91 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}

Describe 'Test-SecretRotation with the rotation''s history' {
    BeforeAll {
        $PSDefaultParameterValues['Test-SecretRotation:EndpointUrl'] = $Proxy.Url
        $script:Diagnoses = @(Test-SecretRotation -SecretId prod/orders/db, prod/billing/db, prod/ledger/db, prod/archive/db, prod/reports/db)
    }
    AfterAll { $PSDefaultParameterValues.Remove('Test-SecretRotation:EndpointUrl') }

    It 'confirms the _pg built for Python 3.9 as the import error''s cause, with alice''s runtime change and when the failures began' {
        $orders = $Diagnoses[0]
        $orders.Symptom | Should -Be 'FunctionImportError'
        $orders.Cause | Should -Be 'NativeModuleBuiltForOtherPython'
        $cause = $orders.Causes | Where-Object Id -eq 'NativeModuleBuiltForOtherPython'
        "$($cause.Verdict)" | Should -Be 'Confirmed'
        $when = [datetime]::Parse($Seed.times.'runtime-change').ToUniversalTime().ToString('yyyy-MM-dd HH:mm')
        $failed = [datetime]::Parse($Seed.times.'orders-first-failure').ToUniversalTime().AddSeconds(12).ToString('HH:mm')
        ($cause.Evidence -join "`n") | Should -Match ([regex]::Escape("alice changed the function's runtime to python3.11") + '.*' +
            [regex]::Escape("at ${when}Z; the first failed rotation followed at ${failed}Z"))
    }

    It 'names the terraform-apply session''s write after the last rotation as a likely cause of the failed login' {
        $billing = $Diagnoses[1]
        $billing.Symptom | Should -Be 'DatabaseLoginRejected'
        $written = $billing.Findings | Where-Object CheckId -eq 'SecretWrittenOutsideRotation'
        $written.Severity | Should -Be 'Error'
        $cause = $billing.Causes | Where-Object Id -eq 'SecretWrittenOutsideRotation'
        "$($cause.Verdict)" | Should -BeIn 'Confirmed', 'Likely'
        $when = [datetime]::Parse($Seed.times.'billing-outside-write').ToUniversalTime().ToString('yyyy-MM-dd HH:mm')
        ($cause.Evidence -join "`n") | Should -Match ('terraform-apply.*wrote.*' + [regex]::Escape("at ${when}Z"))
    }

    It 'names bob''s master password reset after the last rotation as the likely cause of the failed login' {
        $ledger = $Diagnoses[2]
        $ledger.Name | Should -Be 'prod/ledger/db'
        $ledger.Symptom | Should -Be 'DatabaseLoginRejected'
        ($ledger.Findings | Where-Object CheckId -eq 'MasterPasswordResetByHand').Severity | Should -Be 'Error'
        $ledger.Cause | Should -BeNullOrEmpty -Because 'a password set by hand and a secret that never matched both explain a refused login'
        $ledger.Summary | Should -Match 'To settle the cause: Test-RotationDatabaseLogin'
        $cause = $ledger.Causes | Where-Object Id -eq 'MasterPasswordResetByHand'
        "$($cause.Verdict)" | Should -BeIn 'Confirmed', 'Likely'
        $when = [datetime]::Parse($Seed.times.'ledger-password-reset').ToUniversalTime().ToString('yyyy-MM-dd HH:mm')
        ($cause.Evidence -join "`n") | Should -Match ('bob changed the database''s master password.*' + [regex]::Escape("at ${when}Z"))
    }

    It 'says who turned rotation off and when: CloudFormation for one secret, dave for the other' {
        $archive, $reports = $Diagnoses[3], $Diagnoses[4]
        "$($archive.Status)" | Should -Be 'Warning'
        $archive.Summary | Should -Match 'turned off'
        $off = $archive.Findings | Where-Object CheckId -eq 'RotationTurnedOff'
        $off.Severity | Should -Be 'Warning'
        $when = [datetime]::Parse($Seed.times.'archive-off').ToUniversalTime().ToString('yyyy-MM-dd HH:mm')
        $off.Message | Should -Match ('CloudFormation.*turned rotation off.*' + [regex]::Escape("at ${when}Z"))
        ($reports.Findings | Where-Object CheckId -eq 'RotationTurnedOff').Message | Should -Match '^dave turned rotation off'
    }

    It 'shows no secret value in any diagnosis' {
        ($Diagnoses | ConvertTo-Json -Depth 8) | Should -Not -Match $Seed.canary
    }

    It 'says once that CloudTrail could not be read, and still diagnoses' {
        $denied = Start-AwsProxy -Recorded 'cloudtrail-denied-every-lookup.json'
        try {
            $diagnosis = Test-SecretRotation -SecretId prod/orders/db -EndpointUrl $denied.Url
            $skipped = @($diagnosis.Findings | Where-Object { $_.CheckId -eq 'CheckSkipped' -and $_.Message -match 'cloudtrail:LookupEvents' })
            $skipped.Count | Should -Be 1
            $diagnosis.Symptom | Should -Be 'FunctionImportError'
        }
        finally { Stop-AwsProxy $denied }
    }
}
