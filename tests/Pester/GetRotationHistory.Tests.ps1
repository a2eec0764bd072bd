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

    It 'refuses -Days beyond CloudTrail''s 90 days' {
        { Get-RotationHistory -SecretId prod/orders/db -Days 91 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}

Describe 'Test-SecretRotation with the rotation''s history' {
    BeforeAll {
        $PSDefaultParameterValues['Test-SecretRotation:EndpointUrl'] = $Proxy.Url
        $script:Diagnoses = @(Test-SecretRotation -SecretId prod/orders/db, prod/billing/db)
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
