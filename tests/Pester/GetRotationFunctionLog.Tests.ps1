BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    Set-TestAwsEnvironment
    $script:Moto = Reset-TestMoto
    # Seeded through boto3 and the aws CLI (not this module): see tests/scenarios/rotation_logs.py for the story.
    $script:Seed = Invoke-Scenario rotation_logs
    $script:Files = $Seed.files
    # moto's Lambda keeps no LoggingConfig and enforces no IAM here: the proxy serves those answers from a recording.
    $script:Proxy = Start-AwsProxy -Recorded 'custom-log-group.json'
    $PSDefaultParameterValues['Get-RotationFunctionLog:EndpointUrl'] = $Proxy.Url

    function Get-ErrorId($ErrorRecord) { $ErrorRecord.FullyQualifiedErrorId.Split(',')[0] }
}

AfterAll {
    Stop-AwsProxy $Proxy
    $PSDefaultParameterValues.Remove('Get-RotationFunctionLog:EndpointUrl')
    if ($Seed.exports) { Remove-Item $Seed.exports -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Get-RotationFunctionLog' {
    Context 'live logs, text log format, one function rotating two secrets' {
        It 'rebuilds every attempt of the function in the last 7 days, oldest first, with its symptom' {
            $attempts = Get-RotationFunctionLog -FunctionName rotation-shared

            $attempts | Should -HaveCount 5
            $attempts[0].PSObject.TypeNames | Should -Contain 'RotationTroubleshooter.RotationAttempt'
            $attempts.Symptom | Should -Be @('DatabaseLoginRejected', 'TestSecretLoginFailed', 'RotatedVersionNotPending', 'Succeeded', $null)
            $attempts.Outcome | Should -Be @('Failed', 'Failed', 'Failed', 'Succeeded', 'InProgress')
            $attempts.FunctionName | Select-Object -Unique | Should -Be 'rotation-shared'
            $attempts[0].StartTime | Should -BeLessThan $attempts[-1].StartTime
        }

        It 'returns only the attempts of the secret asked for (attributed by the ARN in the messages)' {
            $orders = Get-RotationFunctionLog -SecretId prod/orders/db
            $billing = Get-RotationFunctionLog -SecretId $Seed.secrets.billing

            $orders.SecretArn | Select-Object -Unique | Should -Be $Seed.secrets.orders
            $orders.Symptom | Should -Be @('TestSecretLoginFailed', 'Succeeded')
            $orders.VersionId | Should -Be @($Seed.versions.'orders-fail', $Seed.versions.'orders-ok')
            $billing.SecretArn | Select-Object -Unique | Should -Be $Seed.secrets.billing
            $billing.Symptom | Should -Be @('DatabaseLoginRejected', 'RotatedVersionNotPending', $null)
        }

        It 'shows each step of a failed attempt, the failing step, the evidence and a remediation' {
            $failed = Get-RotationFunctionLog -SecretId prod/orders/db | Where-Object Outcome -eq Failed

            $failed.FailedStep | Should -Be 'testSecret'
            $failed.Steps.Step | Should -Be @('createSecret', 'setSecret', 'testSecret')
            $failed.Steps.Outcome | Should -Be @('Succeeded', 'Succeeded', 'Failed')
            $failed.Steps[2].DurationMs | Should -Be 500
            $failed.Steps[2].Error | Should -Match 'Unable to log into database with pending secret'
            $failed.Evidence -join "`n" | Should -Match 'testSecret: Unable to log into database'
            $failed.Remediation | Should -Not -BeNullOrEmpty
        }

        It 'says a fast setSecret login failure is DatabaseLoginRejected, with its duration as evidence' {
            $rejected = Get-RotationFunctionLog -SecretId prod/billing/db | Where-Object Symptom -eq DatabaseLoginRejected

            $rejected.FailedStep | Should -Be 'setSecret'
            $rejected.Evidence -join "`n" | Should -Match '640 ms'
        }

        It 'reports an attempt still running as InProgress, with no end and no symptom yet' {
            $running = Get-RotationFunctionLog -SecretId prod/billing/db -Last 1

            $running.Outcome | Should -Be 'InProgress'
            $running.EndTime | Should -BeNullOrEmpty
            $running.Symptom | Should -BeNullOrEmpty
            $running.Steps.Step | Should -Be @('createSecret', 'setSecret')
            $running.Steps[1].Outcome | Should -Be 'InProgress'
        }

        It '-Last N returns the newest N attempts' {
            $last = Get-RotationFunctionLog -FunctionName rotation-shared -Last 2

            $last | Should -HaveCount 2
            $last[0].Symptom | Should -Be 'Succeeded'
            $last[1].Outcome | Should -Be 'InProgress'
        }

        It 'reads only the window: an attempt 10 days old appears only with an earlier -StartTime' {
            (Get-RotationFunctionLog -SecretId prod/orders/db) | Should -HaveCount 2

            $wider = Get-RotationFunctionLog -SecretId prod/orders/db -StartTime (Get-Date).AddDays(-12)
            $wider | Should -HaveCount 3
            $wider[0].VersionId | Should -Be $Seed.versions.'orders-old'
            $wider[0].Symptom | Should -Be 'Succeeded'

            $early = Get-RotationFunctionLog -SecretId prod/orders/db -StartTime (Get-Date).AddDays(-12) -EndTime (Get-Date).AddDays(-8)
            $early.VersionId | Should -Be $Seed.versions.'orders-old'
        }
    }

    Context 'live logs, JSON log format' {
        It 'names TimeoutReachingSecretsManager, DatabaseUnreachable, KmsAccessDenied and Succeeded' {
            $attempts = Get-RotationFunctionLog -FunctionName rotation-json

            $attempts.Symptom | Should -Be @('TimeoutReachingSecretsManager', 'DatabaseUnreachable', 'KmsAccessDenied', 'Succeeded')
            $attempts[0].Outcome | Should -Be 'TimedOut'
            $attempts[0].Steps | Should -HaveCount 2
            $attempts[0].Steps.StepInferred | Should -Be @($true, $true)
            $attempts[0].Steps.DurationMs | Should -Be @(30030, 30030)
            $attempts[1].FailedStep | Should -Be 'setSecret'
            $attempts[1].Evidence -join "`n" | Should -Match '25012 ms'
        }

        It 'keeps attempts whose logs name no secret under -SecretId, since they may be that secret''s' {
            $attempts = Get-RotationFunctionLog -SecretId prod/json/db

            $attempts | Should -HaveCount 4
            @($attempts | Where-Object { -not $_.SecretArn }).Symptom | Should -Be @('TimeoutReachingSecretsManager', 'KmsAccessDenied')
            @($attempts | Where-Object SecretArn).SecretArn | Select-Object -Unique | Should -Be $Seed.secrets.json
        }
    }

    Context 'log groups' {
        It 'reads the group named by the function''s LoggingConfig.LogGroup (GetFunction from a recording: moto keeps no LoggingConfig)' {
            $attempt = Get-RotationFunctionLog -FunctionName rotation-custom-group -Verbose 4>&1 | Tee-Object -Variable all |
                Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }

            $attempt.Symptom | Should -Be 'FunctionImportError'
            $attempt.Remediation | Should -Match "'_pg'"
            ($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Match "log group '/custom/rotation/logs'"
        }

        It 'says a missing log group means the function never ran or retention expired' {
            Get-RotationFunctionLog -FunctionName rotation-never-ran -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

            Get-ErrorId $failure[0] | Should -Be 'LogGroupNotFound'
            $failure[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $failure[0].Exception.Message | Should -Match "'/aws/lambda/rotation-never-ran' does not exist.*never ran, or retention expired"
        }

        It 'warns that an empty log group had no events in the window' {
            Get-RotationFunctionLog -FunctionName rotation-idle -WarningVariable warnings -WarningAction SilentlyContinue | Should -BeNullOrEmpty

            $warnings | Should -HaveCount 1
            "$warnings" | Should -Match "'/aws/lambda/rotation-idle' has no events"
        }

        It 'reads /aws/lambda/<name> with a warning when lambda:GetFunction is denied' {
            $attempt = Get-RotationFunctionLog -FunctionName rotation-lambda-denied -WarningVariable warnings -WarningAction SilentlyContinue

            $attempt.Symptom | Should -Be 'Succeeded'
            "$warnings" | Should -Match 'lambda:GetFunction.* was denied.*reading /aws/lambda/rotation-lambda-denied'
        }

        It 'reports a denied logs:FilterLogEvents as PermissionDenied and names the action' {
            Get-RotationFunctionLog -FunctionName rotation-logs-denied -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

            Get-ErrorId $failure[0] | Should -Be 'AwsAccessDenied'
            $failure[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
            $failure[0].Exception.IamAction | Should -Be 'logs:FilterLogEvents'
        }

        It 'stops at -MaxEvents, warns, and still returns what was read' {
            $attempts = Get-RotationFunctionLog -FunctionName rotation-shared -MaxEvents 30 -WarningVariable warnings -WarningAction SilentlyContinue

            "$warnings" | Should -Match 'Read only the first 30 events'
            "$warnings" | Should -Match 'nothing after .* was read'
            $attempts | Should -Not -BeNullOrEmpty
            $attempts[0].Symptom | Should -Be 'DatabaseLoginRejected'
            $attempts.Symptom | Should -Not -Contain 'Succeeded'
        }

        It 'reads a function shared by several secrets once per run' {
            $counting = Start-AwsProxy -Recorded 'custom-log-group.json'
            try {
                $attempts = 'prod/orders/db', 'prod/billing/db', $Seed.secrets.orders | Get-RotationFunctionLog -EndpointUrl $counting.Url
                $attempts | Should -HaveCount 7
                $counts = Get-ProxyCount $counting
                $counts['logs:FilterLogEvents'] | Should -Be 1
                $counts['lambda:GetFunction'] | Should -Be 1
            }
            finally { Stop-AwsProxy $counting }
        }
    }

    Context '-Raw' {
        It 'returns the log events of the chosen attempts in order' {
            $newest = Get-RotationFunctionLog -SecretId prod/json/db -Last 1
            $events = Get-RotationFunctionLogs -SecretId prod/json/db -Last 1 -Raw

            $events[0].PSObject.TypeNames | Should -Contain 'RotationTroubleshooter.LogEvent'
            $events.Count | Should -BeGreaterThan 10
            $events.Timestamp | Should -Be ($events.Timestamp | Sort-Object)
            $events[0].Kind | Should -Be 'Start'
            $events.RequestId | Select-Object -Unique | Sort-Object | Should -Be ($newest.Steps.RequestId | Sort-Object)
            ($events | Where-Object Kind -eq Report).DurationMs | Should -Be @(900, 420, 380, 300)
            ($events | Where-Object Kind -eq Function).Text | Should -Contain "finishSecret: Successfully set AWSCURRENT stage to version $($Seed.versions.'json-ok') for secret $($Seed.secrets.json)."
        }

        It 'returns every event read without -Last' {
            $all = Get-RotationFunctionLog -FunctionName rotation-json -Raw
            $offline = Get-RotationFunctionLog -Path $Files.filterJson -Raw

            $all.Count | Should -Be $offline.Count
            $all.Message | Should -Be $offline.Message
        }
    }

    Context 'offline (-Path)' {
        It 'reads a filter-log-events export of the text log format like the live logs (plus the older attempt)' {
            $attempts = Get-RotationFunctionLog -Path $Files.filterText

            $attempts.Symptom | Should -Be @('Succeeded', 'DatabaseLoginRejected', 'TestSecretLoginFailed', 'RotatedVersionNotPending', 'Succeeded', $null)
            @($attempts | Where-Object FunctionName) | Should -BeNullOrEmpty
        }

        It 'reads the JSON log format from <Name> exports' -ForEach @(
            @{ Name = 'filter-log-events'; Key = 'filterJson' }
            @{ Name = 'get-log-events'; Key = 'getJson' }
            @{ Name = 'console-copy plain text'; Key = 'plainJson' }
        ) {
            $attempts = Get-RotationFunctionLog -Path $Files.$Key

            $attempts.Symptom | Should -Be @('TimeoutReachingSecretsManager', 'DatabaseUnreachable', 'KmsAccessDenied', 'Succeeded')
            $attempts[3].SecretArn | Should -Be $Seed.secrets.json
        }

        It 'filters files by -StartTime and -EndTime when given' {
            $attempts = Get-RotationFunctionLog -Path $Files.filterJson -StartTime (Get-Date).AddDays(-1).AddHours(-1) -EndTime (Get-Date).AddHours(-2)

            $attempts.Symptom | Should -Be @('KmsAccessDenied', 'Succeeded')
        }

        It 'expands wildcards and reads the files together as one function''s logs' {
            $attempts = Get-RotationFunctionLog -Path (Join-Path $Seed.exports 'json-*.json') -Verbose 4>&1 | Tee-Object -Variable all |
                Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }

            ($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match 'from 2 file\(s\)'
            $attempts.Symptom | Should -Contain 'DatabaseUnreachable'
        }

        It 'warns about lines it cannot read and still analyses the rest' {
            $attempts = Get-RotationFunctionLog -Path $Files.plainTextWithGarbage -WarningVariable warnings -WarningAction SilentlyContinue

            "$warnings" | Should -Match '1 line\(s\) could not be read'
            $attempts.Symptom | Should -Contain 'TestSecretLoginFailed'
        }

        It 'reports a file that is not a log export, and a missing file, and still reads the good one' {
            $attempts = Get-RotationFunctionLog -Path $Files.notALog, (Join-Path $Seed.exports 'missing.json'), $Files.filterJson `
                -ErrorVariable failures -ErrorAction SilentlyContinue

            $attempts | Should -HaveCount 4
            $failures | Should -HaveCount 2
            Get-ErrorId $failures[0] | Should -Be 'LogFileFormatUnknown'
            $failures[0].CategoryInfo.Category | Should -Be 'InvalidData'
            $failures[0].Exception.Message | Should -Match "no 'events' array.*filter-log-events --output json"
            $failures[0].TargetObject | Should -Be $Files.notALog
            Get-ErrorId $failures[1] | Should -Be 'PathNotFound'
            $failures[1].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'binds files piped from Get-ChildItem' {
            $attempts = Get-ChildItem $Files.filterJson | Get-RotationFunctionLog -Last 1

            $attempts.Symptom | Should -Be 'Succeeded'
        }

        It 'needs no AWS credentials, region or endpoint' {
            $result = Invoke-FreshPwsh @"
Remove-Item Env:AWS_* -ErrorAction SilentlyContinue
`$env:AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials'
`$env:AWS_CONFIG_FILE = '/nonexistent/config'
Import-Module '$(Get-TestModulePath)'
`$a = Get-RotationFunctionLog -Path '$($Files.filterJson)' -ErrorAction Stop
"Symptoms=`$(`$a.Symptom -join ',')"
"@
            $result.Output | Should -Match 'Symptoms=TimeoutReachingSecretsManager,DatabaseUnreachable,KmsAccessDenied,Succeeded'
            $result.Output | Should -Not -Match 'Credentials|Region'
        }
    }

    Context 'pipeline binding' {
        It 'binds secret names piped as strings and AWS.Tools-shaped objects by ARN' {
            $byString = 'prod/orders/db' | Get-RotationFunctionLog
            $byEntry = [pscustomobject]@{ ARN = $Seed.secrets.billing; Name = 'not-used-for-binding' } | Get-RotationFunctionLog

            $byString.SecretArn | Select-Object -Unique | Should -Be $Seed.secrets.orders
            $byEntry.Symptom | Should -Contain 'RotatedVersionNotPending'
        }

        It 'binds function objects by FunctionName, FunctionArn or RotationLambdaARN' {
            $byName = [pscustomobject]@{ FunctionName = 'rotation-json' } | Get-RotationFunctionLog -Last 1
            $byArn = [pscustomobject]@{ FunctionArn = 'arn:aws:lambda:us-east-1:123456789012:function:rotation-json' } | Get-RotationFunctionLog -Last 1
            $byRotation = [pscustomobject]@{ RotationLambdaARN = 'arn:aws:lambda:us-east-1:123456789012:function:rotation-shared' } |
                Get-RotationFunctionLog -Last 1

            $byName.FunctionName | Should -Be 'rotation-json'
            $byArn.FunctionName | Should -Be 'rotation-json'
            $byRotation.FunctionName | Should -Be 'rotation-shared'
        }
    }

    Context 'errors' {
        It 'answers every other secret when one fails, with stable error ids and categories' {
            $attempts = 'prod/does-not-exist', 'prod/no-rotation', 'prod/orders/db' |
                Get-RotationFunctionLog -ErrorVariable failures -ErrorAction SilentlyContinue

            $attempts | Should -HaveCount 2
            $byId = $failures | Group-Object { Get-ErrorId $_ } -AsHashTable
            $byId['SecretNotFound'].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $byId['RotationNotConfigured'].Exception.Message | Should -Match 'has no rotation function'
        }

        It 'reports a missing function as FunctionNotFound' {
            Get-RotationFunctionLog -FunctionName no-such-function -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            Get-ErrorId $failure[0] | Should -Be 'FunctionNotFound'
        }

        It 'refuses a window that ends before it starts' {
            { Get-RotationFunctionLog -FunctionName rotation-json -StartTime (Get-Date) -EndTime (Get-Date).AddDays(-1) -ErrorAction Stop } |
                Should -Throw -ErrorId 'InvalidTimeWindow,*'
        }
    }

    Context 'display' {
        It 'shows a table readable at 120 columns: start, outcome, failed step, symptom, duration, secret' {
            $lines = (Get-RotationFunctionLog -FunctionName rotation-json, rotation-shared | Out-String -Width 120) -split "`n"

            $lines | Where-Object { $_.TrimEnd().Length -gt 120 } | Should -BeNullOrEmpty
            $lines -match '^Start \(UTC\)\s+Outcome\s+FailedStep\s+Symptom\s+Duration\s+SecretName' | Should -HaveCount 1
            $lines -match '^\d\d-\d\d \d\d:\d\d TimedOut\s+createSecret\s+TimeoutReachingSecretsManager\s+3m00s \(not named\)$' | Should -HaveCount 1
            $lines -match '^\d\d-\d\d \d\d:\d\d Failed\s+setSecret\s+DatabaseUnreachable\s+27\.2s prod/json/db$' | Should -HaveCount 1
            $lines -match '^\d\d-\d\d \d\d:\d\d Failed\s+testSecret\s+TestSecretLoginFailed\s+\d+\.\ds prod/orders/db$' | Should -HaveCount 1
        }

        It 'shows steps and log events as tables too' {
            $attempt = Get-RotationFunctionLog -SecretId prod/json/db | Where-Object Symptom -eq DatabaseUnreachable
            $steps = $attempt.Steps | Out-String -Width 80
            $events = Get-RotationFunctionLog -SecretId prod/json/db -Last 1 -Raw | Out-String -Width 80

            $steps | Should -Match 'Step\s+StartTime \(UTC\)\s+Outcome\s+DurationMs\s+Error / LastMessage'
            $steps | Should -Match 'setSecret\s+\S+ \S+\s+Failed\s+25012 ValueError: Unable to'
            $events | Should -Match 'Timestamp \(UTC\)\s+Kind\s+Message'
            $events | Should -Match 'Report\s+REPORT \w+ 900 ms success'
            $events | Should -Match 'Function \[INFO\] createSecret: Successfully put secret'
        }
    }
}
