# The module's promises to whoever runs it against production (README "Safety"): it never shows a secret, it only
# reads, it needs only the documented policy, and it answers clearly, in bounded time, when AWS misbehaves.
# Every case of Safety/SafetyCases.ps1 (each exported cmdlet, happy and failure paths) runs through these suites.
BeforeDiscovery {
    $script:CaseTable = & (Join-Path $PSScriptRoot 'Safety/SafetyCases.ps1')
    $script:FaultKinds = @(
        @{ Kind = 'throttle'; Answer = 'ThrottlingException|TooManyRequests|Throttling|RequestLimitExceeded' }
        @{ Kind = '500'; Answer = 'InternalFailure|InternalError' }
        @{ Kind = 'reset'; Answer = 'could not reach' }
        @{ Kind = 'truncate'; Answer = 'could not reach' }
        @{ Kind = 'slow'; Answer = 'no answer within 1 s' }
    )
    # Each cmdlet's first happy-path case: under a fault every call fails, so more cases would add time, not coverage.
    $happy = $CaseTable | Where-Object { -not $_.Recorded -and $_.LeastPrivilege -ne $false }
    $script:FaultRuns = foreach ($case in $happy | Group-Object { $_.Cmdlet } | ForEach-Object { $_.Group[0] }) {
        foreach ($fault in $FaultKinds) { @{ Case = $case; Kind = $fault.Kind; Answer = $fault.Answer; Name = $case.Name; Cmdlet = $case.Cmdlet } }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    Set-TestAwsEnvironment
    $script:Root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:Work = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "rt-safety-$([guid]::NewGuid())")
    $script:Code = Join-Path $Work 'code'
    $script:Moto = Reset-TestMoto
    $env:RT_SAFETY_CODE_DIR = $Code
    try { $script:Seed = Invoke-Scenario safety } finally { Remove-Item Env:RT_SAFETY_CODE_DIR }
    $script:Cases = & (Join-Path $PSScriptRoot 'Safety/SafetyCases.ps1')
    $script:Policy = Get-Content (Join-Path $Root 'docs/iam-policy.json') -Raw | ConvertFrom-Json

    . (Join-Path $PSScriptRoot 'Safety/SafetyHelpers.ps1')

    $script:PolicyActions = @($Policy.Statement | Where-Object { -not $_.Condition } | ForEach-Object { $_.Action }) | Sort-Object -Unique
    # kms:Decrypt is used by Secrets Manager on the caller's behalf (kms:ViaService), never called by the module.
    $script:IndirectActions = @($Policy.Statement | Where-Object { $_.Condition.StringLike.'kms:ViaService' } | ForEach-Object { $_.Action })

    # The canary run: every case, through a recording proxy (answering from recorded files where the case says so),
    # under a transcript, with the results exported the ways admins export them.
    $script:StateBefore = Invoke-Scenario aws_state | ConvertTo-Json -Depth 20
    $script:Proxies = @{}
    foreach ($recorded in @($Cases | ForEach-Object { "$($_.Recorded)" }) | Sort-Object -Unique) { $Proxies[$recorded] = Start-AwsProxy -Recorded $recorded -CodeDirectory $Code }
    $script:Transcript = Join-Path $Work 'transcript.txt'
    $script:Runs = [ordered]@{}
    $Error.Clear()
    Start-Transcript -Path $Transcript | Out-Null
    try {
        foreach ($case in $Cases) {
            $env:AWS_ENDPOINT_URL = $Proxies["$($case.Recorded)"].Url
            $run = Invoke-SafetyCase $case $Seed
            $Runs["$($case.Cmdlet): $($case.Name)"] = $run
            $run.Records | Out-Host
            $file = Join-Path $Work ("{0}-{1}" -f $case.Cmdlet, ($case.Name -replace '\W', '-'))
            $run.Results | ConvertTo-Json -Depth 10 -WarningAction SilentlyContinue | Set-Content "$file.json"
            $run.Results | Export-Csv "$file.csv"
            $run.Results | ForEach-Object { $_.PSObject.Properties } |
                Where-Object { $_.Value -is [Collections.IEnumerable] -and $_.Value -isnot [string] } | ForEach-Object { $_.Value } |
                Export-Csv "$file.nested.csv"
        }
    }
    finally {
        Stop-Transcript | Out-Null
        Remove-Item Env:AWS_ENDPOINT_URL -ErrorAction SilentlyContinue
    }
    $script:ErrorVariable = @($Error)
    $script:Seen = @($Proxies.Values | ForEach-Object { Get-ProxyRecord $_ })
    $script:StateAfter = Invoke-Scenario aws_state | ConvertTo-Json -Depth 20
    $script:Canaries = @($Seed.canaries) + 'RtCanary'
    function Find-Canary([string] $Text) { @($Canaries | Where-Object { $Text.Contains($_) }) }
}

AfterAll {
    if ($Proxies) { $Proxies.Values | ForEach-Object { Stop-AwsProxy $_ } }
    Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'The safety cases table' {
    It 'has cases for every exported cmdlet, and only for exported cmdlets' {
        $exported = @((Get-Module RotationTroubleshooter).ExportedCmdlets.Keys | Sort-Object)
        $covered = @($Cases.Cmdlet | Sort-Object -Unique)
        $exported | Where-Object { $_ -notin $covered } | Should -BeNullOrEmpty -Because 'every exported cmdlet needs its lines in tests/Pester/Safety/SafetyCases.ps1'
        $covered | Where-Object { $_ -notin $exported } | Should -BeNullOrEmpty
    }

    It '<Cmdlet>: <Name> ends without a terminating error or an unexpected one' -ForEach $CaseTable {
        $run = $Runs["$($Cmdlet): $Name"]
        $run.Terminating | Should -BeNullOrEmpty
        $run.Errors | Where-Object FullyQualifiedErrorId -Like 'UnexpectedError*' | ForEach-Object { Get-ErrorText $_ } | Should -BeNullOrEmpty
        ($run.Results.Count + $run.Errors.Count) | Should -BeGreaterThan 0
    }
}

Describe 'Secret canary: no secret value appears anywhere' {
    It 'read every canary-holding secret (the run saw the values it must not show)' {
        @($Runs['Test-SecretRotation: every secret'].Results).Count | Should -BeGreaterOrEqual 7
        $read = @($Seen | Where-Object operation -eq 'GetSecretValue').Count
        $read | Should -BeGreaterOrEqual 6
        @($Runs.Values.Records | Where-Object { $_ -is [Management.Automation.DebugRecord] }).Count | Should -BeGreaterThan 0
        @($Runs.Values.Records | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Count | Should -BeGreaterThan 0
        @($Runs.Values.Errors).Count | Should -BeGreaterThan 0
        @($Runs.Values.Results.Findings | Where-Object CheckId -eq CheckSkipped).Count | Should -BeGreaterThan 0
    }

    It '<Cmdlet>: <Name>: not in any stream, formatted view or nested object' -ForEach $CaseTable {
        Find-Canary (Get-CaseText $Runs["$($Cmdlet): $Name"]) | Should -BeNullOrEmpty
    }

    It 'not in the transcript' {
        $text = Get-Content $Transcript -Raw
        $text | Should -Match 'safety/rotated'
        Find-Canary $text | Should -BeNullOrEmpty
    }

    It 'not in the ConvertTo-Json and Export-Csv exports' {
        $files = Get-ChildItem $Work -File | Where-Object Extension -in '.json', '.csv'
        $files.Count | Should -BeGreaterOrEqual (2 * $Cases.Count)
        ($files | Where-Object Name -Like '*.json' | Get-Content -Raw) -join '' | Should -Match 'SecretJsonKeyMissing'
        foreach ($file in $files) { Find-Canary (Get-Content $file -Raw) | Should -BeNullOrEmpty -Because $file.Name }
    }

    It 'not in $Error: messages, inner exceptions, ErrorDetails, TargetObject' {
        $ErrorVariable.Count | Should -BeGreaterThan 0
        foreach ($item in $ErrorVariable) { Find-Canary (Get-ErrorText $item) | Should -BeNullOrEmpty }
    }

    It 'says a SecretBinary secret is not JSON, without its bytes' {
        $binary = $Runs['Test-SecretRotation: every secret'].Results | Where-Object Name -eq 'safety/binary'
        ($binary.Findings | Where-Object CheckId -eq SecretNotJson).Evidence -join "`n" | Should -Match 'SecretBinary'
    }
}

Describe 'Read-only: a run only reads, and AWS is the same afterwards' {
    It 'called only Describe/Get/List/Filter operations (and BatchGet, many Gets in one; CloudTrail''s LookupEvents)' {
        $Seen.Count | Should -BeGreaterThan 0
        Get-SeenAction $Seen | Where-Object { $_ -notmatch '^[a-z0-9-]+:(Describe|Get|List|Filter|BatchGet|Lookup)[A-Za-z]*$' } | Should -BeNullOrEmpty
    }

    It 'called only operations the documented policy allows' {
        Get-SeenAction $Seen | Where-Object { $_ -notin $PolicyActions } | Should -BeNullOrEmpty -Because 'docs/iam-policy.json and README "Safety" list what the module may call'
    }

    It 'needs every action the documented policy grants (the policy is no wider than the module), Lambda included' {
        $seen = Get-SeenAction $Seen
        # Granted for paths this world does not build (a function layer, a database in a peered VPC, an RDS database, a
        # failed login to an AWS endpoint, whose record DatabaseRecordReaderTests and TestSecretRotation.Tests.ps1 read
        # from moto, a bundle built for another Python than its runtime, BundleFit.Tests.ps1): named here, so that the
        # list is exactly what no case reaches.
        $unreached = @('ec2:DescribeVpcPeeringConnections', 'lambda:GetLayerVersion', 'rds:DescribeDBSubnetGroups', 'lambda:GetRuntimeManagementConfig') +
            @(($Policy.Statement | Where-Object Sid -eq 'ReadDatabaseRecords').Action)
        $PolicyActions | Where-Object { $_ -notin $seen -and $_ -notin $unreached } | Should -BeNullOrEmpty -Because 'a granted action no case exercises is either dead or untested'
        $unreached | Where-Object { $_ -in $seen -or $_ -notin $PolicyActions } | Should -BeNullOrEmpty
        @($IndirectActions) | Should -Be @('kms:Decrypt')
    }

    It 'is the policy README "Safety" shows' {
        $readme = Get-Content (Join-Path $Root 'README.md') -Raw
        $shown = [regex]::Match($readme, '(?s)## Safety.*?```json\r?\n(.*?)```').Groups[1].Value
        ($shown | ConvertFrom-Json | ConvertTo-Json -Depth 10) | Should -Be ($Policy | ConvertTo-Json -Depth 10)
    }

    It 'left secrets (versions, stages, LastChangedDate), function policies, log groups and stacks as they were' {
        $StateAfter | Should -Be $StateBefore
    }
}

Describe 'Faults: bounded retries, then a clear answer' {
    BeforeAll {
        # Short bounds so that the worst case ends in seconds: 3 attempts of at most 1 s each.
        $env:RT_AWS_MAX_ATTEMPTS = '3'
        $env:RT_AWS_ATTEMPT_TIMEOUT_SECONDS = '1'
        $env:RT_AWS_BASE_DELAY_MS = '20'
        $script:FaultProxies = @{}
        function Get-FaultProxy([string] $Kind) {
            if (-not $FaultProxies[$Kind]) { $FaultProxies[$Kind] = Start-AwsProxy -Fault "$($Kind):*:1" -SlowSeconds 4 -CodeDirectory $Code }
            $FaultProxies[$Kind]
        }
    }
    AfterAll {
        $FaultProxies.Values | ForEach-Object { Stop-AwsProxy $_ }
        Remove-Item Env:RT_AWS_MAX_ATTEMPTS, Env:RT_AWS_ATTEMPT_TIMEOUT_SECONDS, Env:RT_AWS_BASE_DELAY_MS, Env:AWS_ENDPOINT_URL -ErrorAction SilentlyContinue
    }

    It '<Cmdlet>: <Name> under <Kind>: at most 3 attempts per request, then an answer naming the fault' -ForEach $FaultRuns {
        $proxy = Get-FaultProxy $Kind
        Clear-ProxyRecord $proxy
        $env:AWS_ENDPOINT_URL = $proxy.Url
        $run = Invoke-SafetyCase $Case $Seed

        $run.Terminating | Should -BeNullOrEmpty
        # A hang would run into minutes; under constant throttling the adaptive slow-down paces retries at 1/s, which on a
        # loaded 2-core machine has taken just over 20 s.
        $run.Elapsed.TotalSeconds | Should -BeLessThan 60
        $requests = @(Get-ProxyRecord $proxy | Group-Object operation, path, body)
        $requests.Count | Should -BeGreaterThan 0
        ($requests | Measure-Object Count -Maximum).Maximum | Should -Be 3
        Get-CaseText $run | Should -Match $Answer
    }

    It 'gives the same diagnoses as a clean run when faults come and go' {
        $clean = Test-SecretRotation -All -EndpointUrl $Proxies[''].Url | Sort-Object Name | Select-Object Name, Status, @{ n = 'Checks'; e = { $_.Findings.CheckId -join ',' } }
        $env:RT_AWS_MAX_ATTEMPTS = '8'
        $proxy = Start-AwsProxy -Fault 'throttle:*:0.15', '500:*:0.1', 'reset:*:0.05' -CodeDirectory $Code
        try {
            $faulty = Test-SecretRotation -All -EndpointUrl $proxy.Url -ErrorAction Stop | Sort-Object Name | Select-Object Name, Status, @{ n = 'Checks'; e = { $_.Findings.CheckId -join ',' } }
            $retried = @(Get-ProxyRecord $proxy | Group-Object operation, path, body | Where-Object Count -gt 1)
        }
        finally { Stop-AwsProxy $proxy; $env:RT_AWS_MAX_ATTEMPTS = '3' }
        $retried.Count | Should -BeGreaterThan 0
        ($faulty | ConvertTo-Json) | Should -Be ($clean | ConvertTo-Json)
    }

    It 'stops promptly when the user presses Ctrl+C, with the default 30 s timeout and 6 attempts' {
        $proxy = Start-AwsProxy -Fault 'slow:*:1' -SlowSeconds 120
        $shell = [powershell]::Create()
        try {
            Remove-Item Env:RT_AWS_MAX_ATTEMPTS, Env:RT_AWS_ATTEMPT_TIMEOUT_SECONDS -ErrorAction SilentlyContinue
            $null = $shell.AddScript("Import-Module '$(Get-TestModulePath)'; Test-SecretRotation -SecretId safety/rotated, safety/binary -EndpointUrl '$($proxy.Url)'")
            $handle = $shell.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not (Get-ProxyRecord $proxy) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Get-ProxyRecord $proxy | Should -Not -BeNullOrEmpty
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $shell.Stop()   # what Ctrl+C does: StopProcessing on the running cmdlet
            $watch.Stop()
            $handle.IsCompleted | Should -BeTrue
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 3
        }
        finally {
            $shell.Dispose()
            Stop-AwsProxy $proxy
            $env:RT_AWS_MAX_ATTEMPTS = '3'; $env:RT_AWS_ATTEMPT_TIMEOUT_SECONDS = '1'
        }
    }
}
