BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    Set-TestAwsEnvironment
    Reset-TestMoto | Out-Null
    # 50 secrets sharing two rotation functions.
    $script:Fleet = Invoke-Scenario shared_functions
    $script:Names = 0..49 | ForEach-Object { 'fleet/db{0:000}' -f $_ }
    $script:RateVariable = 'ROTATION_TROUBLESHOOTER_RATE_LIMITS'

    <# The most requests of one operation the proxy was answering at the same moment. #>
    function Get-MaxInFlight($Requests, [string] $Operation) {
        $events = foreach ($r in $Requests | Where-Object op -eq $Operation) { [pscustomobject]@{ T = $r.start; D = 1 }; [pscustomobject]@{ T = $r.end; D = -1 } }
        $now = 0; $max = 0
        # Ends sort before starts at the same instant: back-to-back requests do not overlap.
        foreach ($e in $events | Sort-Object T, D) { $now += $e.D; $max = [Math]::Max($max, $now) }
        $max
    }

    <# The most requests of one operation that arrived within any one second. #>
    function Get-MaxPerSecond($Requests, [string] $Operation) {
        $starts = @($Requests | Where-Object op -eq $Operation | ForEach-Object start | Sort-Object)
        $max = 0
        for ($i = 0; $i -lt $starts.Count; $i++) {
            $n = @($starts[$i..($starts.Count - 1)] | Where-Object { $_ -lt $starts[$i] + 1.0 }).Count
            $max = [Math]::Max($max, $n)
        }
        $max
    }

    <# Runs a script in a runspace of its own with the module loaded; returns the PowerShell object, started. #>
    function Start-InRunspace([string] $Script, [hashtable] $Arguments = @{}) {
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$(Get-TestModulePath)'").AddStatement().AddScript($Script)
        foreach ($name in $Arguments.Keys) { $null = $ps.AddParameter($name, $Arguments[$name]) }
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $handle = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
        [pscustomobject]@{ PowerShell = $ps; Output = $output; Handle = $handle }
    }
}

AfterAll { Remove-Item "Env:$RateVariable" -ErrorAction SilentlyContinue }

Describe 'Test-SecretRotation on many secrets' {
    Context 'concurrency and reuse' {
        # A proxy per test: its counts are per run.
        BeforeEach { $script:Proxy = Start-AwsProxy -LatencyMs 30 }
        AfterEach { Stop-AwsProxy $Proxy }

        It 'works on several secrets at once, never more than -ThrottleLimit' {
            $d = $Names | Test-SecretRotation -EndpointUrl $Proxy.Url -ThrottleLimit 4
            $d | Should -HaveCount 50
            $inFlight = Get-MaxInFlight (Get-ProxyRequest $Proxy) 'secretsmanager:GetSecretValue'
            $inFlight | Should -BeGreaterThan 1
            $inFlight | Should -BeLessOrEqual 4
        }

        It 'works on one secret at a time with -ThrottleLimit 1' {
            # A dozen secrets show one at a time as well as fifty, in a quarter of the time.
            $d = $Names[0..11] | Test-SecretRotation -EndpointUrl $Proxy.Url -ThrottleLimit 1
            $d | Should -HaveCount 12
            Get-MaxInFlight (Get-ProxyRequest $Proxy) 'secretsmanager:GetSecretValue' | Should -Be 1
        }

        It 'reads, once ListSecrets names them, each function''s shared data at once and the values twenty at a time' {
            $d = Test-SecretRotation -EndpointUrl $Proxy.Url -ThrottleLimit 8
            $d | Should -HaveCount 50
            ($d | Where-Object Status -ne Healthy) | Should -BeNullOrEmpty
            $requests = Get-ProxyRequest $Proxy
            $counts = Get-ProxyCount $Proxy
            $counts['secretsmanager:BatchGetSecretValue'] | Should -Be 3
            $counts.Keys | Should -Not -Contain 'secretsmanager:GetSecretValue'
            $counts.Keys | Should -Not -Contain 'secretsmanager:DescribeSecret'
            foreach ($op in 'lambda:GetFunction', 'lambda:GetPolicy', 'logs:FilterLogEvents') { $counts[$op] | Should -Be 2 -Because "$op is asked once per function" }
            # Each function's reads go out as soon as the listing names it, before the first values are back.
            $firstBatch = ($requests | Where-Object op -eq 'secretsmanager:BatchGetSecretValue' | Measure-Object end -Minimum).Minimum
            $requests | Where-Object op -in 'lambda:GetFunction', 'lambda:GetPolicy', 'logs:FilterLogEvents' | ForEach-Object { $_.start | Should -BeLessThan $firstBatch }
        }

        It 'reads each shared function, policy and stack once while many secrets that need them are in flight' {
            $d = $Names | Test-SecretRotation -EndpointUrl $Proxy.Url -ThrottleLimit 16
            $d | Should -HaveCount 50
            ($d | Where-Object Status -ne Healthy) | Should -BeNullOrEmpty
            $counts = Get-ProxyCount $Proxy
            $counts['lambda:GetFunction'] | Should -Be 2
            $counts['lambda:GetPolicy'] | Should -Be 2
            $counts['secretsmanager:DescribeSecret'] | Should -Be 50
            $counts['secretsmanager:GetSecretValue'] | Should -Be 50
            # At most 3 requests per secret plus a constant per function.
            ($counts.Values | Measure-Object -Sum).Sum | Should -BeLessOrEqual (3 * 50 + 4 * 2)
        }
    }

    Context 'order' {
        It 'writes results in input order, while later secrets finish first' {
            # The first secrets' requests are held back, so the ones after them finish earlier.
            $proxy = Start-AwsProxy -Delay 'db000=800', 'db001=800', 'db004=800'
            try {
                $d = $Names[0..11] | Test-SecretRotation -EndpointUrl $proxy.Url -ThrottleLimit 4
                $d.Name | Should -Be $Names[0..11]
                $requests = Get-ProxyRequest $proxy
                @($requests | Where-Object { $_.op -eq 'secretsmanager:DescribeSecret' -and $_.end - $_.start -ge 0.8 }) | Should -HaveCount 3
                Get-MaxInFlight $requests 'secretsmanager:GetSecretValue' | Should -BeGreaterThan 1
            }
            finally { Stop-AwsProxy $proxy }
        }

        It 'keeps ListSecrets'' order when it lists the secrets itself, diagnosing first the secrets whose shared reads are in' {
            $listed = (aws secretsmanager list-secrets --endpoint-url $env:RT_MOTO_URL --region us-east-1 --output json | ConvertFrom-Json).SecretList
            # The first listed secret's function answers 5 s late; the other function's secrets wait for nothing.
            $late = $listed[0].RotationLambdaARN.Split(':')[-1]
            $proxy = Start-AwsProxy -Delay "$late=5000"
            try {
                $run = Start-InRunspace 'param($Url) Test-SecretRotation -EndpointUrl $Url -ThrottleLimit 2' @{ Url = $proxy.Url }
                $others = @($listed | Where-Object RotationLambdaARN -notlike "*:$late").Count
                # Progress counts what is done: the other function's secrets, while nothing can be written before the first.
                $seen = $null
                while (-not $run.Handle.IsCompleted -and -not $seen) {
                    $seen = $run.PowerShell.Streams.Progress | Where-Object { $_.StatusDescription -match '^(\d+) of 50$' -and [int]$Matches[1] -ge $others } | Select-Object -First 1
                    if (-not $seen) { Start-Sleep -Milliseconds 50 }
                }
                $writtenMeanwhile = $run.Output.Count
                $run.PowerShell.EndInvoke($run.Handle)
                $run.PowerShell.Dispose()

                $seen | Should -Not -BeNullOrEmpty
                $writtenMeanwhile | Should -Be 0
                $run.Output.Name | Should -Be $listed.Name
            }
            finally { Stop-AwsProxy $proxy }
        }

        It 'writes each item''s errors and verbose lines in its place' {
            $proxy = Start-AwsProxy -Delay 'db000=800'
            try {
                $records = $Names[0], 'fleet/missing', $Names[1] | Get-RotationFunctionAge -EndpointUrl $proxy.Url -Verbose -ErrorAction Continue *>&1
                $kinds = $records | ForEach-Object {
                    if ($_ -is [System.Management.Automation.ErrorRecord]) { "error $($_.TargetObject)" }
                    elseif ($_ -is [System.Management.Automation.VerboseRecord]) { 'verbose' }
                    else { "age $($_.SecretArn -replace '^.*:secret:' -replace '-\w{6}$')" }
                }
                $kinds -join ', ' | Should -Be "verbose, age $($Names[0]), error fleet/missing, verbose, age $($Names[1])"
            }
            finally { Stop-AwsProxy $proxy }
        }
    }

    Context 'progress' {
        BeforeAll { $script:Proxy = Start-AwsProxy -LatencyMs 30 }
        AfterAll { Stop-AwsProxy $Proxy }

        It 'shows done of total with a percentage and seconds remaining once the secrets are listed' {
            $run = Start-InRunspace 'param($Url) Test-SecretRotation -EndpointUrl $Url -ThrottleLimit 8' @{ Url = $Proxy.Url }
            $run.PowerShell.EndInvoke($run.Handle)
            $records = @($run.PowerShell.Streams.Progress)
            $run.PowerShell.Dispose()

            $run.Output | Should -HaveCount 50
            $records | ForEach-Object { $_.Activity | Should -Be 'Diagnosing secret rotation' }
            $counted = @($records | Where-Object StatusDescription -match '^\d+ of 50$')
            $counted | Should -Not -BeNullOrEmpty
            ($counted | Where-Object { $_.PercentComplete -ge 0 -and $_.PercentComplete -lt 100 -and $_.SecondsRemaining -ge 0 }) | Should -Not -BeNullOrEmpty
            $records[-1].RecordType | Should -Be 'Completed'
        }

        It 'shows a count so far for piped input, whose total is not known yet' {
            $script = 'param($Url, $Names) $Names | ForEach-Object { Start-Sleep -Milliseconds 1000; $_ } | Test-SecretRotation -EndpointUrl $Url'
            $run = Start-InRunspace $script @{ Url = $Proxy.Url; Names = $Names[0..3] }
            $run.PowerShell.EndInvoke($run.Handle)
            $records = @($run.PowerShell.Streams.Progress)
            $run.PowerShell.Dispose()

            $run.Output | Should -HaveCount 4
            ($records | Where-Object StatusDescription -match '^\d+ done, \d+ so far$') | Should -Not -BeNullOrEmpty
            $records[-1].RecordType | Should -Be 'Completed'
        }
    }

    Context 'cancellation' {
        BeforeAll { $script:Proxy = Start-AwsProxy -LatencyMs 30 }
        AfterAll { Stop-AwsProxy $Proxy }
        AfterEach { Remove-Item "Env:$RateVariable" -ErrorAction SilentlyContinue }

        It 'stops promptly when the pipeline is stopped, and sends no request after' {
            # Slow enough (a batch of twenty values every other second) that the run is mid-way when stopped.
            Set-Item "Env:$RateVariable" 'secretsmanager:BatchGetSecretValue=0.5'
            $run = Start-InRunspace 'param($Url) Test-SecretRotation -EndpointUrl $Url -ThrottleLimit 8' @{ Url = $Proxy.Url }
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ($run.Output.Count -lt 2 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $run.Output.Count | Should -BeGreaterOrEqual 2

            $stopping = [Diagnostics.Stopwatch]::StartNew()
            $run.PowerShell.Stop()
            $stopping.Stop()
            $state = $run.PowerShell.InvocationStateInfo.State
            Start-Sleep -Milliseconds 300
            $atStop = (Get-ProxyCount $Proxy).Values | Measure-Object -Sum | ForEach-Object Sum
            Start-Sleep -Seconds 2
            $later = (Get-ProxyCount $Proxy).Values | Measure-Object -Sum | ForEach-Object Sum
            $run.PowerShell.Dispose()

            $state | Should -Be 'Stopped'
            $run.Output.Count | Should -BeLessThan 50
            $later | Should -Be $atStop
            # Generous: without cancellation the rest of the run takes about four seconds.
            $stopping.Elapsed.TotalSeconds | Should -BeLessThan 5
        }
    }

    Context 'rate limits' {
        AfterEach { Remove-Item "Env:$RateVariable" -ErrorAction SilentlyContinue }

        It 'keeps an operation within a lowered client-side rate' {
            $proxy = Start-AwsProxy
            try {
                Set-Item "Env:$RateVariable" 'secretsmanager:GetSecretValue=3'
                $d = Test-SecretRotation -SecretId $Names[0..11] -EndpointUrl $proxy.Url -ThrottleLimit 8
                $d | Should -HaveCount 12
                $requests = Get-ProxyRequest $proxy
                # A token bucket of 3 per second, 3 deep: at most 3 + 3 in any second (one more for clock skew).
                Get-MaxPerSecond $requests 'secretsmanager:GetSecretValue' | Should -BeLessOrEqual 7
                # 3 at once, then one every third of a second: the last about 3 s after the first (unlimited: within 0.1 s).
                $starts = @($requests | Where-Object op -eq 'secretsmanager:GetSecretValue' | ForEach-Object start)
                ($starts[-1] - $starts[0]) | Should -BeGreaterThan 2
            }
            finally { Stop-AwsProxy $proxy }
        }

        It 'finishes every diagnosis when AWS throttles below its published rate, by slowing down' {
            $proxy = Start-AwsProxy -Throttle 'secretsmanager:GetSecretValue=5'
            try {
                $d = Test-SecretRotation -SecretId $Names[0..19] -EndpointUrl $proxy.Url -ErrorVariable failures -Verbose 4>&1
                $verbose = @($d | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
                $d = @($d | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
                $failures | Should -BeNullOrEmpty
                $d | Should -HaveCount 20
                ($d | Where-Object Status -ne Healthy) | Should -BeNullOrEmpty
                @(Get-ProxyRequest $proxy | Where-Object throttled) | Should -Not -BeNullOrEmpty
                $verbose.Message -join "`n" | Should -Match 'GetSecretValue is throttled by AWS: slowing it to'
            }
            finally { Stop-AwsProxy $proxy }
        }
    }
}
