<#
.SYNOPSIS
    The fleet benchmark (issue 8): Test-SecretRotation on one secret and on a 1,000-secret fleet, against the AWS CLI way,
    through a loopback proxy in front of moto that adds a region's round trip and throttles at AWS's published rates.
    Writes the figures to bench/README.md (between the fleet-results markers). Not a test.
.EXAMPLE
    dotnet pwsh bench/Invoke-Benchmark.ps1
.EXAMPLE
    dotnet pwsh bench/Invoke-Benchmark.ps1 -SecretCount 200 -MemorySecretCount 0 -NoReadme
    A quick run that prints the figures only.
.EXAMPLE
    dotnet pwsh bench/Invoke-Benchmark.ps1 -ImportOnly -ImportRuns 15
    Only the Import-Module overhead (step 1), printed; no moto, no README change.
#>
param(
    [int] $SecretCount = 1000,
    [int] $FunctionCount = 20,
    [int] $VpcCount = 3,
    [double] $LatencyMs = 30,
    # The secret count for the memory measurement; 0 skips it (seeding 10,000 secrets into moto takes minutes).
    [int] $MemorySecretCount = 10000,
    # Secrets per shard of the 10-shard run (5 accounts x 2 regions, bench/Measure-Shards.ps1); 0 skips it.
    [int] $SecretsPerShard = 200,
    [int] $ImportRuns = 7,
    [switch] $SkipBuild,
    [switch] $NoReadme,
    # Measure only the Import-Module overhead and print it (for a change that touches what the import loads).
    [switch] $ImportOnly
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$PSStyle.OutputRendering = 'PlainText'
$Root = Resolve-Path (Join-Path $PSScriptRoot '..')
Import-Module (Join-Path $Root 'tests/TestServices.psm1') -Force
Import-Module (Join-Path $Root 'tests/Pester/TestHelpers.psm1') -Force
$Module = Join-Path $Root 'out/RotationTroubleshooter'
$Pwsh = Join-Path $PSHOME 'pwsh.dll'
$Work = Join-Path ([IO.Path]::GetTempPath()) "rt-bench-$PID"
New-Item -ItemType Directory -Force $Work | Out-Null

Import-Module (Join-Path $PSScriptRoot 'Bench.psm1') -Force
$ThrottleRules = Get-ThrottleRule

<# Runs a script file in a fresh pwsh; returns its last output line parsed as JSON, and the process wall time. #>
function Invoke-Child([string] $Script, [string[]] $Arguments = @()) {
    $file = Join-Path $Work "child-$([guid]::NewGuid().ToString('N')).ps1"
    Set-Content $file $Script
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $output = & dotnet $Pwsh -NoProfile -NonInteractive -File $file @Arguments 2>&1
    $watch.Stop()
    if ($LASTEXITCODE -ne 0) { throw "Child pwsh failed ($LASTEXITCODE):`n$($output -join "`n")" }
    [pscustomobject]@{ Result = ($output | Select-Object -Last 1) | ConvertFrom-Json; WallMs = $watch.Elapsed.TotalMilliseconds }
}

function Get-Median([double[]] $Values) { $s = @($Values | Sort-Object); $s[[int][Math]::Floor(($s.Count - 1) / 2)] }

$FleetChild = @'
param([string] $Module, [string] $Url, [int] $ThrottleLimit)
$ErrorActionPreference = 'Stop'
Import-Module $Module
$importedPeak = [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64
$cpuBefore = [Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime
$start = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000
$watch = [Diagnostics.Stopwatch]::StartNew()
$statuses = @{}; $skipped = 0; $throttledSkips = 0; $count = 0; $reasons = @{}
# The per-result work is kept small (no inner pipeline): it runs on the pipeline thread, on the cores the run shares.
Test-SecretRotation -All -EndpointUrl $Url -ThrottleLimit $ThrottleLimit -ErrorVariable failures -ErrorAction SilentlyContinue -ProgressAction SilentlyContinue |
    ForEach-Object {
        $count++
        $statuses["$($_.Status)"] = [int]$statuses["$($_.Status)"] + 1
        foreach ($f in $_.Findings.Where({ $_.CheckId -eq 'CheckSkipped' })) {
            $skipped++
            if ("$($f.Message) $($f.Evidence)" -match 'Throttl|TooManyRequests|RequestLimitExceeded|Rate exceeded') { $throttledSkips++ }
            $reason = ($f.Message -replace ' from https?://\S+', '') -replace '^(.{0,90}).*$', '$1'
            $reasons[$reason] = [int]$reasons[$reason] + 1
        }
    }
$watch.Stop()
$cpu = ([Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime - $cpuBefore).TotalSeconds
[GC]::Collect()
[pscustomobject]@{
    Start = $start; End = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000; Seconds = $watch.Elapsed.TotalSeconds; CpuSeconds = $cpu
    Diagnosed = $count; Failures = @($failures).Count; SkippedChecks = $skipped; ThrottledSkips = $throttledSkips; SkipReasons = $reasons; Statuses = $statuses
    PeakMB = [Math]::Round([Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 / 1MB)
    ImportedPeakMB = [Math]::Round($importedPeak / 1MB)
} | ConvertTo-Json -Compress -Depth 3
'@

$OneSecretChild = @'
param([string] $Module, [string] $Url, [string] $Warmup, [string] $SecretId)
$ErrorActionPreference = 'Stop'
Import-Module $Module
# Warm the JIT on another secret of another function: the measured run still fetches everything (caches are per run).
Test-SecretRotation -SecretId $Warmup -EndpointUrl $Url | Out-Null
Start-Sleep -Milliseconds 500
$start = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000
$watch = [Diagnostics.Stopwatch]::StartNew()
$d = Test-SecretRotation -SecretId $SecretId -EndpointUrl $Url
$watch.Stop()
[pscustomobject]@{ Start = $start; End = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000; Seconds = $watch.Elapsed.TotalSeconds; Status = "$($d.Status)" } |
    ConvertTo-Json -Compress
'@

$ColdChild = @'
param([string] $Module, [string] $Url, [string] $SecretId)
Import-Module $Module
$d = Test-SecretRotation -SecretId $SecretId -EndpointUrl $Url
[pscustomobject]@{ Status = "$($d.Status)" } | ConvertTo-Json -Compress
'@

$moto = $null; $proxies = @()
$loadBefore = (Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -split ' ' | Select-Object -First 3
try {
    if (-not $SkipBuild) {
        Write-Step 'Building the module (Release)'
        & dotnet $Pwsh -NoProfile -File (Join-Path $Root 'build.ps1') Build | Out-Null
        if ($LASTEXITCODE -ne 0) { throw 'The build failed.' }
    }
    Set-TestAwsEnvironment
    Remove-Item Env:ROTATION_TROUBLESHOOTER_RATE_LIMITS -ErrorAction SilentlyContinue

    Write-Step 'Import-Module overhead over a bare pwsh start'
    $bare = @(); $imported = @()
    $bareScript = Join-Path $Work 'bare.ps1'; Set-Content $bareScript 'exit 0'
    $importScript = Join-Path $Work 'import.ps1'; Set-Content $importScript "Import-Module '$Module'; exit 0"
    for ($i = 0; $i -lt $ImportRuns; $i++) {
        $bare += (Measure-Command { & dotnet $Pwsh -NoProfile -NonInteractive -File $bareScript }).TotalMilliseconds
        $imported += (Measure-Command { & dotnet $Pwsh -NoProfile -NonInteractive -File $importScript }).TotalMilliseconds
    }
    $import = [pscustomobject]@{ BareMs = [Math]::Round((Get-Median $bare)); ImportMs = [Math]::Round((Get-Median $imported)) }
    if ($ImportOnly) {
        Write-Host "Import-Module overhead: $($import.ImportMs - $import.BareMs) ms (median of $ImportRuns; bare pwsh start $($import.BareMs) ms, with the import $($import.ImportMs) ms)"
        return
    }

    Write-Step "Seeding moto: $SecretCount secrets, $FunctionCount functions, $VpcCount VPCs"
    $moto = Start-Moto (Join-Path $Work 'moto')
    $env:RT_MOTO_URL = $moto.Url
    $codeDir = Join-Path $Work 'code'
    $env:SECRET_COUNT = $SecretCount; $env:FUNCTION_COUNT = $FunctionCount; $env:VPC_COUNT = $VpcCount; $env:CODE_DIR = $codeDir
    $seedOutput = python3 (Join-Path $PSScriptRoot 'seed_fleet.py') 2>&1
    if ($LASTEXITCODE -ne 0) { throw "Seeding failed:`n$($seedOutput -join "`n")" }
    $seed = ($seedOutput -join "`n") | ConvertFrom-Json
    $sample = $seed.sample
    $warmup = 'fleet/db{0:00000}' -f 1

    Write-Step "One secret, warm, through the $LatencyMs ms proxy"
    $proxy = Start-AwsProxy -Upstream $moto.Url -LatencyMs $LatencyMs -CodeDirectory $codeDir; $proxies += $proxy
    $one = (Invoke-Child $OneSecretChild @('-Module', $Module, '-Url', $proxy.Url, '-Warmup', $warmup, '-SecretId', $sample.secret)).Result
    $oneRequests = Measure-Requests (Get-ProxyRequest $proxy) $LatencyMs ($one.Start - 0.001) ($one.End + 0.001)

    Write-Step 'One secret, cold (a new pwsh that imports the module)'
    $coldRuns = @(1..3 | ForEach-Object { (Invoke-Child $ColdChild @('-Module', $Module, '-Url', $proxy.Url, '-SecretId', $sample.secret)).WallMs })
    $cold = Get-Median $coldRuns

    Write-Step "The AWS guide's sequence of aws CLI calls for the same secret"
    $cliProxy = Start-AwsProxy -Upstream $moto.Url -LatencyMs $LatencyMs; $proxies += $cliProxy
    $vpcFilter = "Name=vpc-id,Values=$($sample.vpc)"
    $cliCalls = @(
        , @('secretsmanager', 'describe-secret', '--secret-id', $sample.secret)
        , @('lambda', 'get-function-configuration', '--function-name', $sample.function)
        , @('lambda', 'get-policy', '--function-name', $sample.function)
        , @('lambda', 'list-tags', '--resource', $sample.function_arn)
        , @('cloudformation', 'describe-stacks', '--stack-name', $sample.stack)
        , @('logs', 'filter-log-events', '--log-group-name', "/aws/lambda/$($sample.function)", '--filter-pattern', '?ERROR ?finishSecret')
        , @('ec2', 'describe-route-tables', '--filters', $vpcFilter)
        , @('ec2', 'describe-vpc-endpoints', '--filters', $vpcFilter)
        , @('ec2', 'describe-security-groups', '--group-ids', $sample.group)
        , @('ec2', 'describe-network-acls', '--filters', $vpcFilter)
        , @('lambda', 'get-function', '--function-name', $sample.function)
    )
    $cliWatch = [Diagnostics.Stopwatch]::StartNew()
    foreach ($call in $cliCalls) {
        $out = & aws --endpoint-url $cliProxy.Url --region us-east-1 --output json @call 2>&1
        if ($LASTEXITCODE -ne 0) { throw "aws $($call[0..1] -join ' ') failed: $out" }
    }
    $cliWatch.Stop()
    $cliRequests = Measure-Requests (Get-ProxyRequest $cliProxy) $LatencyMs

    $fleet = [ordered]@{}
    # The first run records moto's answers; the replayed runs answer the same questions from memory (the proxy sends
    # what it has no answer for to moto, and counts it), so that they measure the client rather than moto.
    $answers = Join-Path $Work 'answers.jsonl'
    foreach ($run in @(
            @{ Name = 'latency only'; Throttle = @(); Limit = 8; Record = $true }
            @{ Name = "latency + AWS's rates"; Throttle = $ThrottleRules; Limit = 8 }
            @{ Name = "from memory, AWS's rates"; Throttle = $ThrottleRules; Limit = 8; Replay = $true }
            @{ Name = "from memory, AWS's rates, -ThrottleLimit 64"; Throttle = $ThrottleRules; Limit = 64; Replay = $true })) {
        Write-Step "Fleet: $($run.Name)"
        $recording = if ($run['Record']) { @{ RecordAnswers = $answers } } elseif ($run['Replay']) { @{ Replay = $answers } } else { @{} }
        $p = Start-AwsProxy -Upstream $moto.Url -LatencyMs $LatencyMs -Throttle $run.Throttle -CodeDirectory $codeDir @recording; $proxies += $p
        $moto.Process.Refresh(); $motoCpu = $moto.Process.TotalProcessorTime
        $result = (Invoke-Child $FleetChild @('-Module', $Module, '-Url', $p.Url, '-ThrottleLimit', "$($run.Limit)")).Result
        $moto.Process.Refresh(); $p.Process.Refresh()
        $log = Get-ProxyRequest $p
        $requests = Measure-Requests $log $LatencyMs
        $floor = Get-QuotaFloor $requests.ByOperation
        # When the requests that set the floor, and the values, were all answered (seconds into the run).
        $fleet[$run.Name] = [pscustomobject]@{
            Run = $result; Requests = $requests; Floor = $floor; Limit = $run.Limit
            FloorStartedAt = [Math]::Round((($log | Where-Object op -in $floor.Operations | Measure-Object start -Minimum).Minimum - $result.Start), 2)
            FloorAnsweredAt = [Math]::Round((($log | Where-Object op -in $floor.Operations | Measure-Object end -Maximum).Maximum - $result.Start), 1)
            ValuesAnsweredAt = [Math]::Round((($log | Where-Object op -like 'secretsmanager:*GetSecretValue' | Measure-Object end -Maximum).Maximum - $result.Start), 1)
            MotoCpuSeconds = [Math]::Round(($moto.Process.TotalProcessorTime - $motoCpu).TotalSeconds, 1)
            ProxyCpuSeconds = [Math]::Round($p.Process.TotalProcessorTime.TotalSeconds, 1)
        }
    }

    $shards = $null
    if ($SecretsPerShard -gt 0) {
        $shards = & (Join-Path $PSScriptRoot 'Measure-Shards.ps1') -MotoUrl $moto.Url -SecretsPerShard $SecretsPerShard -LatencyMs $LatencyMs
    }

    $memory = $null
    if ($MemorySecretCount -gt 0) {
        Write-Step "Memory: seeding $MemorySecretCount secrets (through the proxy, without latency)"
        Invoke-RestMethod -Method Post "$($moto.Url)/moto-api/reset" | Out-Null
        Invoke-RestMethod -Method Post "$($moto.Url)/moto-api/config" -ContentType 'application/json' -Body '{"lambda":{"use_docker":false}}' | Out-Null
        $env:SECRET_COUNT = $MemorySecretCount
        $bigSeed = python3 (Join-Path $PSScriptRoot 'seed_fleet.py') 2>&1
        if ($LASTEXITCODE -ne 0) { throw "Seeding failed:`n$($bigSeed -join "`n")" }
        Write-Step "Memory: diagnosing $MemorySecretCount secrets"
        # Through the proxy, which answers BatchGetSecretValue as AWS does (moto fails it for a rotated secret) and serves
        # the functions' code (moto's code location names a host nothing serves).
        $p = Start-AwsProxy -Upstream $moto.Url -CodeDirectory $codeDir; $proxies += $p
        $memory = (Invoke-Child $FleetChild @('-Module', $Module, '-Url', $p.Url, '-ThrottleLimit', '8')).Result
    }
}
finally {
    foreach ($p in $proxies) { Stop-AwsProxy $p }
    if ($moto) { Stop-ServerProcess $moto.Process }
    Remove-Item Env:SECRET_COUNT, Env:FUNCTION_COUNT, Env:VPC_COUNT, Env:CODE_DIR -ErrorAction SilentlyContinue
    # moto's answers as recorded hold its (fake) secret values: results.json stays, they do not.
    Remove-Item (Join-Path $Work 'answers.jsonl') -ErrorAction SilentlyContinue
}
$loadAfter = (Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -split ' ' | Select-Object -First 3

# ---- Report ----
function Format-Ops($ByOperation) { ($ByOperation.Keys | ForEach-Object { "$($_.Split(':')[1]) $($ByOperation[$_])" }) -join ', ' }
function Get-StatusCount($Run, [string] $Status) { $p = $Run.Statuses.PSObject.Properties[$Status]; if ($p) { [int]$p.Value } else { 0 } }
function Yes([bool] $Met) { if ($Met) { 'met' } else { '**missed**' } }

$oneMs = [Math]::Round($one.Seconds * 1000)
$cliMs = [Math]::Round($cliWatch.Elapsed.TotalMilliseconds)
$throttled = $fleet["latency + AWS's rates"]
$plain = $fleet['latency only']
$fast = $fleet["from memory, AWS's rates"]
$fastWide = $fleet["from memory, AWS's rates, -ThrottleLimit 64"]
$functionsUsed = $seed.functions
$perSecretOps = 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:BatchGetSecretValue', 'secretsmanager:ListSecretVersionIds'
$perSecret = ($perSecretOps | ForEach-Object { [int]$throttled.Requests.ByOperation[$_] } | Measure-Object -Sum).Sum
$other = $throttled.Requests.Total - $throttled.Requests.Throttled - $perSecret
$importOverhead = $import.ImportMs - $import.BareMs
$cpu = ((Get-Content /proc/cpuinfo -ErrorAction SilentlyContinue | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '^model name\s*:\s*', '')
$machine = "$([Environment]::ProcessorCount) cores ($cpu), $([Runtime.InteropServices.RuntimeInformation]::OSDescription), .NET $([Environment]::Version), PowerShell $($PSVersionTable.PSVersion); load average $($loadBefore -join ' ') before, $($loadAfter -join ' ') after"
# A diagnosis failed through throttling when it is an error or a check was skipped because AWS throttled it.
function Get-Failed($Run) { $Run.Run.Failures + $Run.Run.ThrottledSkips }
$skipNote = if ($plain.Run.SkippedChecks) { " (checks skipped for other reasons, the same without throttling: $(($plain.Run.SkipReasons.PSObject.Properties | ForEach-Object { "$($_.Value)x $($_.Name)" }) -join '; '))" } else { '' }
function Get-Ratio($Run) { [Math]::Round($Run.Run.Seconds / [Math]::Max($Run.Floor.Seconds, 0.01), 2) }
$FleetGoal = 1.2; $ShardGoal = 1.3; $MemoryGoal = 1.3
$fastRatio = Get-Ratio $fast
function Format-Wall($Run, [switch] $Misses) {
    "$([Math]::Round($Run.Run.Seconds, 1)) s, $($Run.Requests.Throttled) throttled answers$(if ($Misses) { ", $($Run.Requests.Missed) of $($Run.Requests.Total) requests not in memory (sent to moto)" })"
}
function Format-Where($Run, [string] $Upstream) {
    "the requests that set the floor started $($Run.FloorStartedAt) s and were answered $($Run.FloorAnsweredAt) s into the run, the values $($Run.ValuesAnsweredAt) s; CPU: pwsh $([Math]::Round($Run.Run.CpuSeconds, 1)) s (after Import-Module), $Upstream, proxy $($Run.ProxyCpuSeconds) s"
}

$lines = @(
    "Measured $([DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm')) UTC on $machine."
    "Fleet: $($seed.secrets) secrets ($(($seed.kinds.PSObject.Properties | ForEach-Object { "$($_.Value) $($_.Name)" }) -join ', ')), $($seed.functions) rotation functions (5 broken), $($seed.vpcs) VPCs; proxy latency $LatencyMs ms per request."
    ''
    '| measure | goal | result | baseline (same run) | ratio | |'
    '|---|---|---|---|---|---|'
    "| one secret, warm (module loaded) | 20x faster than the CLI | $oneMs ms, $($oneRequests.Total) requests ($(Format-Ops $oneRequests.ByOperation)) | aws CLI sequence: $cliMs ms, $($cliRequests.Total) requests | $([Math]::Round($cliMs / [Math]::Max(1, $oneMs), 1))x | $(Yes ($cliMs -ge 20 * $oneMs)) |"
    "| one secret, cold (new pwsh + Import-Module) | | $([Math]::Round($cold)) ms (median of 3) | aws CLI sequence: $cliMs ms | $([Math]::Round($cliMs / [Math]::Max(1, $cold), 1))x | |"
    "| sequential request waves, one secret | at most 4 | $($oneRequests.Waves) ($($oneRequests.WaveOps)) | aws CLI: $($cliRequests.Waves) | | $(Yes ($oneRequests.Waves -le 4)) |"
    "| fleet requests (AWS's rates) | 3 per secret + constant per function and VPC | $perSecret per-secret requests for $($throttled.Run.Diagnosed) secrets ($([Math]::Round($perSecret / [Math]::Max(1, $throttled.Run.Diagnosed), 2)) each) + $other others; all: $(Format-Ops $throttled.Requests.ByOperation) | | | $(Yes ($perSecret -le 3 * $throttled.Run.Diagnosed -and $other -le 10 * $functionsUsed + 20)) |"
    "| fleet wall time, latency only (moto) | | $([Math]::Round($plain.Run.Seconds, 1)) s, $($plain.Requests.Total) requests; statuses: $(($plain.Run.Statuses.PSObject.Properties | ForEach-Object { "$($_.Value) $($_.Name)" }) -join ', ') | | | |"
    "| fleet wall time, AWS's rates, answered from memory | within $($FleetGoal)x the quota floor | $(Format-Wall $fast -Misses) | quota floor $($fast.Floor.Seconds) s ($($fast.Floor.BoundBy)) | $($fastRatio)x | $(Yes ($fastRatio -le $FleetGoal -and $fast.Requests.Missed -eq 0)) |"
    "| fleet wall time, AWS's rates, answered from memory, -ThrottleLimit 64 | | $(Format-Wall $fastWide -Misses) | quota floor $($fastWide.Floor.Seconds) s | $(Get-Ratio $fastWide)x | |"
    "| where the fleet run from memory went | | $(Format-Where $fast "moto (misses only) $($fast.MotoCpuSeconds) s") | $([Environment]::ProcessorCount) cores | | |"
    "| fleet wall time, AWS's rates | (moto answering) | $(Format-Wall $throttled) | quota floor $($throttled.Floor.Seconds) s ($($throttled.Floor.BoundBy)) | $(Get-Ratio $throttled)x | |"
    "| where the fleet run answered by moto went | | $(Format-Where $throttled "moto $($throttled.MotoCpuSeconds) s (it had a request to answer for $($throttled.Requests.UpstreamBusySeconds) s)") | $([Environment]::ProcessorCount) cores | | |"
    "| failed diagnoses under AWS's rates (errors, or a check skipped as throttled) | 0 | from memory $(Get-Failed $fast) (-ThrottleLimit 64: $(Get-Failed $fastWide)); moto $(Get-Failed $throttled)$skipNote | latency only: $(Get-Failed $plain) | | $(Yes ((Get-Failed $fast) + (Get-Failed $fastWide) + (Get-Failed $throttled) -eq 0)) |"
    $(if ($shards) {
        "| $($shards.Shards) shards (5 accounts x 2 regions) x $($shards.SecretsPerShard) secrets in one command, AWS's rates per account and region, answered from memory | within $($ShardGoal)x the slowest shard's quota floor | $($shards.Seconds) s (pwsh CPU $($shards.CpuSeconds) s), $($shards.Diagnosed) diagnosed, $($shards.Errors) errors, $($shards.Unknown) Unknown, $($shards.Throttled) throttled answers, $($shards.Missed) of $($shards.Requests) requests not in memory; $(if ($shards.InPlanOrder) { 'grouped by account then region, in plan order' } else { "**not** in plan order ($($shards.Grouped))" }); against moto (recording): $($shards.AgainstMotoSeconds) s | slowest shard's quota floor: $($shards.SlowestFloor) s ($($shards.SlowestShard): $($shards.SlowestBoundBy)) | $($shards.Ratio)x | $(Yes ($shards.Ratio -le $ShardGoal -and $shards.Missed -eq 0 -and $shards.Errors -eq 0)) |" }
      else { "| 10 shards x 200 secrets in one command | within $($ShardGoal)x the slowest shard's quota floor | not measured in this run (-SecretsPerShard 0) | | | |" })
    "| fleet peak working set ($($throttled.Run.Diagnosed) secrets) | | $($throttled.Run.PeakMB) MB | pwsh + module imported: $($throttled.Run.ImportedPeakMB) MB | | |"
    $(if ($memory) {
        $memoryRatio = [Math]::Round($memory.PeakMB / [Math]::Max(1, $memory.ImportedPeakMB), 2)
        "| peak working set, $($memory.Diagnosed) secrets | within $($MemoryGoal)x the imported baseline ($([Math]::Round($MemoryGoal * $memory.ImportedPeakMB)) MB) | $($memory.PeakMB) MB ($([Math]::Round($memory.Seconds)) s, proxy without latency) | pwsh + module imported: $($memory.ImportedPeakMB) MB | $($memoryRatio)x | $(Yes ($memoryRatio -le $MemoryGoal)) |" }
      else { "| peak working set, 10,000 secrets | within $($MemoryGoal)x the imported baseline | not measured in this run (-MemorySecretCount 0) | | | |" })
    "| Import-Module overhead | under 300 ms | $importOverhead ms (median of $ImportRuns) | bare pwsh start: $($import.BareMs) ms | | $(Yes ($importOverhead -lt 300)) |"
    ''
    "Reading it: the CLI sequence pays a Python start per call; the module pays pwsh's start once per session, so the cold row is what a single one-off check costs ($([Math]::Round($cold / 1000, 1)) s against $([Math]::Round($cliMs / 1000, 1)) s), and the warm row what each further secret costs. " +
    "Answered from memory: the proxy recorded moto's answers in the latency-only run and answers the same requests from memory, with the same latency and AWS's rates per account and region, so that moto's CPU is not what the run waits for."
    $(if ($oneRequests.Waves -gt 4 -or $cliMs -lt 20 * $oneMs) { "One secret: $($oneRequests.Waves) sequential waves and $([Math]::Round($cliMs / [Math]::Max(1, $oneMs), 1))x the CLI's speed (goals 4 and 20x); each wave is a round trip plus the client work before the next ($($oneRequests.WaveOps))." })
    $(if ($fastRatio -gt $FleetGoal) {
        "The fleet from memory misses the $($FleetGoal)x goal by $([Math]::Round($fastRatio - $FleetGoal, 2))x ($($fastRatio)x of $($fast.Floor.Seconds) s; -ThrottleLimit 64: $(Get-Ratio $fastWide)x): " +
        "the requests that set the floor ($($fast.Floor.Operations -join ', ')) could start only $($fast.FloorStartedAt) s into the run (the cmdlet's start, then the first ListSecrets page names the functions), " +
        "the client keeps one token of each 5/s bucket for arrival jitter (0.2 s), and the last was answered $($fast.FloorAnsweredAt) s in, against a floor that assumes the whole burst at 0 s." })
    $(if ($shards -and $shards.Ratio -gt $ShardGoal) {
        "The shards miss the $($ShardGoal)x goal by $([Math]::Round($shards.Ratio - $ShardGoal, 2))x ($($shards.Ratio)x of $($shards.SlowestFloor) s): $($shards.Throttled) throttled answers (each retried, and the bucket's rate cut to 70% for a while), " +
        "and $($shards.Diagnosed) diagnoses took $($shards.CpuSeconds) s of pwsh CPU on $([Environment]::ProcessorCount) cores, so the client's own work, not only the quotas, bounds the ten." })
    $(if ($memory -and $memory.PeakMB -gt $MemoryGoal * $memory.ImportedPeakMB) { "Memory for $($memory.Diagnosed) secrets is $([Math]::Round($memory.PeakMB - $MemoryGoal * $memory.ImportedPeakMB)) MB over $($MemoryGoal)x the imported baseline ($($memory.ImportedPeakMB) MB); the bench keeps no results, so it is what one run holds." })
)
$report = $lines -join "`n"
$json = [ordered]@{ Seed = $seed; One = $one; OneRequests = $oneRequests; ColdMs = $coldRuns; CliMs = $cliMs; CliRequests = $cliRequests; Fleet = $fleet; Shards = $shards; Memory = $memory; Import = $import }
$json | ConvertTo-Json -Depth 6 | Set-Content (Join-Path $Work 'results.json')
Write-Host "`n$report`n"
Write-Host "Raw figures: $(Join-Path $Work 'results.json')"

if (-not $NoReadme) {
    $readme = Join-Path $PSScriptRoot 'README.md'
    $text = Get-Content $readme -Raw
    $begin = '<!-- fleet-results:begin -->'; $end = '<!-- fleet-results:end -->'
    $block = "$begin`n$report`n$end"
    if ($text.Contains($begin)) {
        $text = [regex]::Replace($text, "(?s)$([regex]::Escape($begin)).*?$([regex]::Escape($end))", { param($m) $block })
    }
    else { $text = $text.TrimEnd() + "`n`n$block`n" }
    Set-Content $readme $text -NoNewline
    Write-Step "Wrote the figures to $readme"
}
