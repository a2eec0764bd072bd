# Start-SecretRotation: refuses what would fail at once, starts a rotation, and with -Wait follows it to its end. The
# rotations followed are run through the harness (tests/harness) as Secrets Manager would run them after RotateSecret:
# by AWS's real PostgreSQL rotation function against the test run's PostgreSQL (skipped, with the reason, where AWS's
# templates are not found), and by the project's rotation player, which the demo uses without them.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    Set-TestAwsEnvironment
    $script:Moto = Reset-TestMoto
    $script:Seed = Invoke-Scenario start_rotation -ArgumentList configured
    $env:AWS_ENDPOINT_URL = $Moto

    function Get-Stages([string] $Name) { (Invoke-Scenario aws_state).secrets.$Name.stages }

    <# Runs a script in a runspace of its own, as a user's session would, with its output and progress collected. #>
    function New-Shell([string] $Script) {
        $shell = [powershell]::Create()
        $null = $shell.AddScript("Import-Module '$(Get-TestModulePath)'; $Script")
        $shell
    }

    <#
    Starts the rotation and follows it in a runspace of its own while the harness plays Secrets Manager for it
    (tests/scenarios/start_rotation.py run: it waits for the new AWSPENDING version, then invokes the function's steps
    with -Code: AWS's template or the project's player); returns the cmdlet's output, progress, verbose and errors, its
    time, and what the harness ran.
    #>
    function Invoke-FollowedRotation($Secret, [ValidateSet('template', 'player')] [string] $Code = 'template') {
        $shell = New-Shell "Start-SecretRotation -SecretId '$($Secret.secretArn)' -Wait -TimeoutSeconds 180 -Confirm:`$false -Verbose"
        try {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $handle = $shell.BeginInvoke()
            $ran = Invoke-Scenario start_rotation -ArgumentList run, $Secret.secretArn, $Secret.functionName, $Code
            $output = @($shell.EndInvoke($handle))
            $watch.Stop()
            [pscustomobject]@{
                Output = $output; Ran = $ran; Elapsed = $watch.Elapsed
                Progress = @($shell.Streams.Progress); Verbose = @($shell.Streams.Verbose | ForEach-Object Message); Errors = @($shell.Streams.Error)
            }
        }
        finally { $shell.Dispose() }
    }

    <# What Start-SecretRotation -Wait returns for a rotation that failed in setSecret: that attempt, as the harness ran it. #>
    function Assert-EndedInSetSecret($Run) {
        $Run.Errors | Should -BeNullOrEmpty
        $Run.Output | Should -HaveCount 1
        $attempt = $Run.Output[0]
        $attempt.Outcome | Should -Be 'Failed'
        $attempt.FailedStep | Should -Be 'setSecret'
        $attempt.VersionId | Should -Be $Run.Ran.versionId
        @($attempt.Steps.Step) | Should -Be @('createSecret', 'setSecret')
        @($attempt.Steps.Outcome) | Should -Be @('Succeeded', 'Failed')
        @($attempt.Steps.RequestId) | Should -Be @($Run.Ran.invocations.requestId)
        $attempt.Evidence -join "`n" | Should -Match 'Unable to log into database with previous, current, or pending secret'
        $attempt.Remediation | Should -Not -BeNullOrEmpty
    }
}

AfterAll { Remove-Item Env:AWS_ENDPOINT_URL, Env:ROTATION_TROUBLESHOOTER_RATE_LIMITS -ErrorAction SilentlyContinue }

Describe 'Start-SecretRotation' {
    Context 'refuses, before starting, what would fail at once' {
        BeforeAll {
            $script:Proxy = Start-AwsProxy
            $script:Refused = @{}
            foreach ($name in 'start/pending', 'start/not-configured', 'start/function-gone') {
                $errors = $null
                $output = @(Start-SecretRotation -SecretId $name -Confirm:$false -EndpointUrl $Proxy.Url -ErrorVariable errors -ErrorAction SilentlyContinue)
                $Refused[$name] = @{ Output = $output; Errors = @($errors) }
            }
            $script:Seen = @(Get-ProxyRecord $Proxy)
        }
        AfterAll { Stop-AwsProxy $Proxy }

        It '<Name>: <ErrorId> (<Category>), saying what to do' -ForEach @(
            @{ Name = 'start/pending'; ErrorId = 'PendingVersionStuck'; Category = 'InvalidOperation'; Says = 'labelled AWSPENDING and not AWSCURRENT.*A previous rotation isn''t complete.*Repair-SecretRotation' }
            @{ Name = 'start/not-configured'; ErrorId = 'RotationNotConfigured'; Category = 'ObjectNotFound'; Says = 'has no rotation function' }
            @{ Name = 'start/function-gone'; ErrorId = 'FunctionNotFound'; Category = 'ObjectNotFound'; Says = 'rotation-start-function-gone.* was not found' }
        ) {
            $run = $Refused[$Name]
            $run.Output | Should -BeNullOrEmpty
            $run.Errors | Should -HaveCount 1
            $run.Errors[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
            $run.Errors[0].CategoryInfo.Category | Should -Be $Category
            $run.Errors[0].Exception.Message | Should -Match $Says
        }

        It 'sent no RotateSecret for any of them' {
            $Seen.Count | Should -BeGreaterThan 0
            $Seen | Where-Object operation -eq 'RotateSecret' | Should -BeNullOrEmpty
        }
    }

    Context 'without -Wait' {
        It '-WhatIf starts nothing' {
            $before = Get-Stages 'start/configured' | ConvertTo-Json
            Start-SecretRotation -SecretId start/configured -WhatIf | Should -BeNullOrEmpty
            Get-Stages 'start/configured' | ConvertTo-Json | Should -Be $before
        }

        It 'starts one rotation per secret, however often it is named, and returns the new version id at once' {
            $arn = $Seed.'start/configured'
            $versions = @('start/configured', $arn | Start-SecretRotation -Confirm:$false)
            $versions | Should -HaveCount 1
            $versions[0] | Should -BeOfType [string]
            [guid]::Parse($versions[0]) | Should -Not -BeNullOrEmpty
            @((Get-Stages 'start/configured').($versions[0])) | Should -Be @('AWSPENDING')
        }
    }

    Context '-Wait with nothing running the function' {
        It 'ends at -TimeoutSeconds with RotationWaitTimedOut, polling through the client-side rate limits' {
            # FilterLogEvents limited to one request per 4 s: the 2 s poll has to wait for it.
            $env:ROTATION_TROUBLESHOOTER_RATE_LIMITS = 'logs:FilterLogEvents=0.25'
            $proxy = Start-AwsProxy
            try {
                $watch = [Diagnostics.Stopwatch]::StartNew()
                $errors = $null
                $output = @(Start-SecretRotation -SecretId start/waits -Wait -TimeoutSeconds 9 -Confirm:$false -EndpointUrl $proxy.Url -ErrorVariable errors -ErrorAction SilentlyContinue)
                $watch.Stop()
                $requests = @(Get-ProxyRequest $proxy)
                $polls = @($requests | Where-Object op -eq 'logs:FilterLogEvents')
            }
            finally {
                Stop-AwsProxy $proxy
                Remove-Item Env:ROTATION_TROUBLESHOOTER_RATE_LIMITS
            }
            $output | Should -BeNullOrEmpty
            $errors | Should -HaveCount 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'RotationWaitTimedOut,*'
            $errors[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
            $errors[0].Exception.Message | Should -Match 'had not ended after 9 s, and the function had logged nothing for it.*Get-RotationFunctionLog'
            $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 9
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 25
            $polls.Count | Should -BeGreaterOrEqual 2
            for ($i = 1; $i -lt $polls.Count; $i++) { ($polls[$i].start - $polls[$i - 1].start) | Should -BeGreaterThan 3.5 }
            $policy = Get-Content (Join-Path $PSScriptRoot '../../docs/iam-policy-repair.json') -Raw | ConvertFrom-Json
            $allowed = @($policy.Statement | Where-Object { -not $_.Condition } | ForEach-Object { $_.Action })
            $seen = @($requests.op | Sort-Object -Unique)
            foreach ($action in 'secretsmanager:DescribeSecret', 'lambda:GetFunction', 'secretsmanager:RotateSecret', 'logs:FilterLogEvents') { $seen | Should -Contain $action }
            $seen | Where-Object { $_ -notin $allowed } | Should -BeNullOrEmpty
        }

        It 'stops polling at once on Ctrl+C' {
            $proxy = Start-AwsProxy
            $shell = New-Shell "Start-SecretRotation -SecretId start/cancelled -Wait -Confirm:`$false -EndpointUrl '$($proxy.Url)'"
            try {
                $handle = $shell.BeginInvoke()
                $deadline = [DateTime]::UtcNow.AddSeconds(60)
                while (@(Get-ProxyRecord $proxy | Where-Object operation -eq 'FilterLogEvents').Count -lt 2 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
                @(Get-ProxyRecord $proxy | Where-Object operation -eq 'FilterLogEvents').Count | Should -BeGreaterOrEqual 2
                $shell.Streams.Progress.Count | Should -BeGreaterThan 0
                $watch = [Diagnostics.Stopwatch]::StartNew()
                $shell.Stop()   # what Ctrl+C does: StopProcessing on the running cmdlet
                $watch.Stop()
                $stoppedAt = @(Get-ProxyRecord $proxy).Count
                Start-Sleep -Seconds 5
                $handle.IsCompleted | Should -BeTrue
                $watch.Elapsed.TotalSeconds | Should -BeLessThan 2
                @(Get-ProxyRecord $proxy).Count | Should -Be $stoppedAt -Because 'no request is sent once the cmdlet has stopped'
            }
            finally {
                $shell.Dispose()
                Stop-AwsProxy $proxy
            }
        }
    }

    Context '-Wait following AWS''s real rotation function against PostgreSQL' -Tag RotationTemplates {
        BeforeAll {
            if (-not (Test-RotationTemplates)) { return }
            $script:Real = Invoke-Scenario start_rotation -ArgumentList real
        }
        BeforeEach { Skip-WithoutRotationTemplates $_ }

        Context 'a rotation that succeeds' {
            BeforeAll {
                if (-not (Test-RotationTemplates)) { return }
                $script:Run = Invoke-FollowedRotation $Real.'start/succeeds'
                $script:After = Get-Stages 'start/succeeds'
            }

            It 'was run by the template to its end: four steps, AWSCURRENT on the new version' {
                $Run.Ran.outcome | Should -Be 'Succeeded'
                @($Run.Ran.invocations.step) | Should -Be @('createSecret', 'setSecret', 'testSecret', 'finishSecret')
                @($After.($Run.Ran.versionId)) | Should -Contain 'AWSCURRENT'
            }

            It 'ends with the attempt as Get-RotationFunctionLog reads it: Succeeded, the new version, the steps the function ran' {
                $Run.Errors | Should -BeNullOrEmpty
                $Run.Output | Should -HaveCount 1
                $attempt = $Run.Output[0]
                $attempt.PSObject.TypeNames | Should -Contain 'RotationTroubleshooter.RotationAttempt'
                $attempt.Outcome | Should -Be 'Succeeded'
                $attempt.VersionId | Should -Be $Run.Ran.versionId
                $attempt.SecretArn | Should -Be $Real.'start/succeeds'.secretArn
                @($attempt.Steps.Step) | Should -Be @('createSecret', 'setSecret', 'testSecret', 'finishSecret')
                @($attempt.Steps.RequestId) | Should -Be @($Run.Ran.invocations.requestId)
                @($attempt.Steps.Outcome | Sort-Object -Unique) | Should -Be @('Succeeded')
            }

            It 'showed each step with its time in Write-Progress, and said when each ended' {
                $status = @($Run.Progress.StatusDescription)
                foreach ($step in 'createSecret', 'setSecret', 'testSecret', 'finishSecret') {
                    $Run.Verbose | Where-Object { $_ -match "start/succeeds: $step Succeeded after \d+\.\d s" } | Should -Not -BeNullOrEmpty -Because "$step ended"
                }
                $status | Where-Object { $_ -match '^finishSecret Succeeded after \d+\.\d s$' } | Should -Not -BeNullOrEmpty
                $Run.Progress | Where-Object { $_.CurrentOperation -match '^createSecret Succeeded \d+\.\d s, setSecret Succeeded \d+\.\d s, testSecret Succeeded \d+\.\d s, finishSecret Succeeded \d+\.\d s$' } |
                    Should -Not -BeNullOrEmpty
                ($Run.Progress | Where-Object PercentComplete -eq 100) | Should -Not -BeNullOrEmpty
                $Run.Progress[-1].RecordType | Should -Be 'Completed'
            }
        }

        Context 'a rotation that fails in setSecret' {
            BeforeAll {
                if (-not (Test-RotationTemplates)) { return }
                $script:Before = Get-Stages 'start/fails-in-setsecret'
                $script:Run = Invoke-FollowedRotation $Real.'start/fails-in-setsecret'
                $script:After = Get-Stages 'start/fails-in-setsecret'
            }

            It 'was stopped by the template in setSecret; AWSCURRENT did not move' {
                $Run.Ran.outcome | Should -Be 'Failed'
                $Run.Ran.failedStep | Should -Be 'setSecret'
                $current = @($Before.PSObject.Properties | Where-Object { $_.Value -contains 'AWSCURRENT' }).Name
                @($After.$current) | Should -Contain 'AWSCURRENT'
                @($After.($Run.Ran.versionId)) | Should -Be @('AWSPENDING')
            }

            It 'ends at the failed step, well before -TimeoutSeconds, with the attempt, its symptom and remediation' {
                Assert-EndedInSetSecret $Run
                $Run.Elapsed.TotalSeconds | Should -BeLessThan 120
                $Run.Output[0].Symptom | Should -Not -BeNullOrEmpty
            }

            It 'showed the failed step with its time' {
                @($Run.Progress.StatusDescription) | Where-Object { $_ -match '^setSecret Failed after \d+\.\d s$' } | Should -Not -BeNullOrEmpty
                $Run.Verbose | Where-Object { $_ -match 'setSecret Failed after \d+\.\d s' } | Should -Not -BeNullOrEmpty
            }
        }
    }

    Context '-Wait following the demo''s rotation, played by the project''s rotation player (the database host does not resolve)' {
        BeforeAll {
            $script:Unreachable = Invoke-Scenario start_rotation -ArgumentList unreachable
            $script:Before = Get-Stages 'start/player'
            $script:Run = Invoke-FollowedRotation $Unreachable.'start/player' player
            $script:After = Get-Stages 'start/player'
            # Secrets Manager's next attempt at the unfinished version, played the same way.
            $script:Reattempt = Invoke-Scenario start_rotation -ArgumentList run, $Unreachable.'start/player'.secretArn, $Unreachable.'start/player'.functionName, player
            $script:Transcript = @(Invoke-Scenario start_rotation -ArgumentList transcript, $Unreachable.'start/player'.functionName)
        }

        It 'was played to setSecret, which cannot reach the database; createSecret put the new version, AWSCURRENT did not move' {
            $Run.Ran.outcome | Should -Be 'Failed'
            $Run.Ran.failedStep | Should -Be 'setSecret'
            @($Run.Ran.invocations.step) | Should -Be @('createSecret', 'setSecret')
            @($Run.Ran.invocations.errorType) | Should -Be @($null, 'ValueError')
            $current = @($Before.PSObject.Properties | Where-Object { $_.Value -contains 'AWSCURRENT' }).Name
            @($After.$current) | Should -Contain 'AWSCURRENT'
            @($After.($Run.Ran.versionId)) | Should -Be @('AWSPENDING')
            $Reattempt.reattempt | Should -BeTrue
            $Reattempt.versionId | Should -Be $Run.Ran.versionId
            $Reattempt.failedStep | Should -Be 'setSecret'
        }

        It 'ends at the failed step with the attempt as the demo shows it: DatabaseLoginRejected, its evidence and remediation' {
            Assert-EndedInSetSecret $Run
            $Run.Elapsed.TotalSeconds | Should -BeLessThan 60
            $Run.Output[0].Symptom | Should -Be 'DatabaseLoginRejected'
        }

        It 'logged what AWS''s template logs there, in Lambda''s text format (the harness starts each attempt cold)' {
            $report = "REPORT RequestId: <id>`tDuration: <n> ms`tBilled Duration: <n> ms`tMemory Size: <n> MB`tMax Memory Used: <n> MB`t"
            $attempt = {
                param([string] $Created)
                "INIT_START Runtime Version: python:3.12.v38`tRuntime Version ARN: <runtime arn>"
                'START RequestId: <id> Version: $LATEST'
                "[INFO]`t<time>`t<id>`tFound credentials in environment variables."
                "[INFO]`t<time>`t<id>`tcreateSecret: $Created"
                'END RequestId: <id>'
                "$($report)Init Duration: <n> ms`t"
                'START RequestId: <id> Version: $LATEST'
                "[ERROR]`t<time>`t<id>`tsetSecret: Unable to log into database with previous, current, or pending secret of secret arn <secret arn>"
                "[ERROR] ValueError: Unable to log into database with previous, current, or pending secret of secret arn <secret arn>`nTraceback (most recent call last):`n<frames>"
                'END RequestId: <id>'
                $report
            }
            $expected = @(& $attempt 'Successfully put secret for ARN <secret arn> and version <id>.') + @(& $attempt 'Successfully retrieved secret for <secret arn>.')
            $Transcript -join "`n" | Should -Be ($expected -join "`n")
        }

        Context 'beside AWS''s template, rotating the same kind of secret' -Tag RotationTemplates {
            BeforeAll {
                if (-not (Test-RotationTemplates)) { return }
                $twin = $Unreachable.'start/template-twin'
                $script:TwinRun = Invoke-FollowedRotation $twin template
                $script:TwinReattempt = Invoke-Scenario start_rotation -ArgumentList run, $twin.secretArn, $twin.functionName, template
                $script:TwinTranscript = @(Invoke-Scenario start_rotation -ArgumentList transcript, $twin.functionName)
            }
            BeforeEach { Skip-WithoutRotationTemplates $_ }

            It 'logged the same lines as the template, and Start-SecretRotation read the same attempt' {
                $Transcript -join "`n" | Should -Be ($TwinTranscript -join "`n")
                $TwinReattempt.reattempt | Should -BeTrue
                # What differs between two secrets and two runs: the secret's ARN, times, durations, request ids.
                $comparable = {
                    param($Text)
                    $Text -replace 'start/(player|template-twin)-\w{6}', '<secret>' -replace '\d{4}-\d\d-\d\dT[\d:.]+Z', '<time>' -replace '\b\d+ ms\b', '<n> ms' -replace '\b[0-9a-f]{8}\b', '<id>'
                }
                foreach ($property in 'Outcome', 'FailedStep', 'Symptom', 'Evidence', 'Remediation') {
                    & $comparable ($Run.Output[0].$property -join "`n") | Should -Be (& $comparable ($TwinRun.Output[0].$property -join "`n")) -Because $property
                }
            }
        }
    }
}
