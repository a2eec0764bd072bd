<#
.SYNOPSIS
    Benchmark (not a test): 10 shards (accounts x regions) in one Test-SecretRotation against the slowest shard's quota
    floor. Seeds moto through boto3 (bench/seed_shards.py), runs all shards once through tests/fakes/aws_proxy.py
    (30 ms per request) recording moto's answers, then once more with the proxy answering from those recordings at
    AWS's rates, in per-account-and-region buckets as AWS keeps them; each shard's floor comes from its own requests
    per bucket (Get-QuotaFloor). Returns the figures as one object; Invoke-Benchmark.ps1 calls it with its moto.
.EXAMPLE
    dotnet pwsh bench/Measure-Shards.ps1 -SecretsPerShard 200
#>
param(
    [int] $SecretsPerShard = 200,
    # Functions per shard, each with its log group: one FilterLogEvents each at 5/s sets the shard's quota floor.
    [int] $FunctionsPerShard = 20,
    [string[]] $Accounts = @('123456789012', '210987654321', '345678901234', '456789012345', '567890123456'),
    [string[]] $Regions = @('us-east-1', 'eu-west-1'),
    [double] $LatencyMs = 30,
    # A running moto to seed (reset first); without it the script starts its own.
    [string] $MotoUrl
)
$ErrorActionPreference = 'Stop'
$Root = Resolve-Path (Join-Path $PSScriptRoot '..')
Import-Module (Join-Path $Root 'tests/TestServices.psm1') -Force
Import-Module (Join-Path $Root 'tests/Pester/TestHelpers.psm1') -Force
Import-Module (Join-Path $PSScriptRoot 'Bench.psm1') -Force
$Module = Join-Path $Root 'out/RotationTroubleshooter'
$Work = New-Item -ItemType Directory -Force (Join-Path ([IO.Path]::GetTempPath()) "rt-shards-$PID")
# The caller's (Invoke-Benchmark.ps1's) environment is given back as it was.
$callersEnvironment = @{ RT_MOTO_URL = $env:RT_MOTO_URL; CODE_DIR = $env:CODE_DIR }

$moto = $null; $proxies = @()
try {
    if (-not $MotoUrl) { $moto = Start-Moto (Join-Path $Work 'moto'); $MotoUrl = $moto.Url }
    else { Invoke-RestMethod -Method Post "$MotoUrl/moto-api/reset" | Out-Null }
    $env:RT_MOTO_URL = $MotoUrl
    Invoke-RestMethod -Method Post "$MotoUrl/moto-api/config" -ContentType 'application/json' -Body '{"lambda":{"use_docker":false}}' | Out-Null
    Write-Step "Shards: seeding $($Accounts.Count) accounts x $($Regions.Count) regions x $SecretsPerShard secrets"
    $env:ACCOUNTS = $Accounts -join ','; $env:REGIONS = $Regions -join ','; $env:PER_SHARD = "$SecretsPerShard"; $env:FUNCTIONS_PER_SHARD = "$FunctionsPerShard"
    $codeDir = Join-Path $Work 'code'; $env:CODE_DIR = $codeDir
    $seed = python3 (Join-Path $PSScriptRoot 'seed_shards.py')
    if ($LASTEXITCODE) { throw "seeding failed: $seed" }
    $run = Join-Path $Work 'run.ps1'
    Set-Content $run @'
param([string] $Module, [string] $Url, [string] $AccountIds, [string] $RegionList)
Import-Module $Module
$env:AWS_ACCESS_KEY_ID = 'testing'; $env:AWS_SECRET_ACCESS_KEY = 'testing'; $env:AWS_REGION = 'us-east-1'; $env:AWS_EC2_METADATA_DISABLED = 'true'
$cpu = [Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime
$watch = [Diagnostics.Stopwatch]::StartNew()
$d = @(Test-SecretRotation -EndpointUrl $Url -AccountId ($AccountIds -split ',') -OrganizationRoleName RotationAuditor -Region ($RegionList -split ',') -ErrorVariable failures -ErrorAction SilentlyContinue -ProgressAction SilentlyContinue)
$watch.Stop()
[pscustomobject]@{ Seconds = $watch.Elapsed.TotalSeconds; CpuSeconds = ([Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime - $cpu).TotalSeconds; Diagnosed = $d.Count; Errors = $failures.Count
    Unknown = @($d | Where-Object Status -eq Unknown).Count; Skipped = @($d.Findings | Where-Object CheckId -eq CheckSkipped).Count
    Grouped = (($d | ForEach-Object { "$($_.AccountId)/$($_.Region)" } | Select-Object -Unique) -join ',') } | ConvertTo-Json -Compress
'@
    function Invoke-Shards($Proxy) {
        $out = dotnet pwsh -NoProfile -File $run -Module $Module -Url $Proxy.Url -AccountIds ($Accounts -join ',') -RegionList ($Regions -join ',')
        if ($LASTEXITCODE) { throw "run failed: $out" }
        ($out | Select-Object -Last 1) | ConvertFrom-Json
    }
    $answers = Join-Path $Work 'answers.jsonl'
    Write-Step "Shards: all $($Accounts.Count * $Regions.Count) in one command, against moto (recording its answers)"
    $recording = Start-AwsProxy -Upstream $MotoUrl -LatencyMs $LatencyMs -CodeDirectory $codeDir -RecordAnswers $answers; $proxies += $recording
    $warm = Invoke-Shards $recording
    Write-Step "Shards: all in one command, answered from memory at AWS's rates per account and region"
    $replay = Start-AwsProxy -Upstream $MotoUrl -LatencyMs $LatencyMs -CodeDirectory $codeDir -Replay $answers -Throttle (Get-ThrottleRule); $proxies += $replay
    $all = Invoke-Shards $replay
    $log = Get-ProxyRequest $replay
    $requests = Measure-Requests $log $LatencyMs
    $floors = @(Get-ShardFloor $log)
    $slowest = $floors | Sort-Object { $_.Floor.Seconds } -Descending | Select-Object -First 1
    [pscustomobject]@{
        Shards = $Accounts.Count * $Regions.Count; SecretsPerShard = $SecretsPerShard; Seconds = [Math]::Round($all.Seconds, 1)
        Diagnosed = $all.Diagnosed; Errors = $all.Errors; Unknown = $all.Unknown; Skipped = $all.Skipped; Grouped = $all.Grouped
        InPlanOrder = $all.Grouped -eq (@(foreach ($a in $Accounts) { foreach ($r in $Regions) { "$a/$r" } }) -join ',')
        Requests = $requests.Total; Throttled = $requests.Throttled; Missed = $requests.Missed
        MissedOps = (@($log | Where-Object replayed -eq $false | Group-Object { "$($_.account)/$($_.region) $($_.op)" } | ForEach-Object { "$($_.Name) $($_.Count)" }) -join '; ')
        SlowestShard = $slowest.Shard; SlowestFloor = $slowest.Floor.Seconds; SlowestBoundBy = $slowest.Floor.BoundBy
        Floors = @($floors | ForEach-Object { [pscustomobject]@{ Shard = $_.Shard; Requests = $_.Requests; Floor = $_.Floor.Seconds } })
        Ratio = [Math]::Round($all.Seconds / [Math]::Max(0.01, $slowest.Floor.Seconds), 2)
        CpuSeconds = [Math]::Round($all.CpuSeconds, 1); AgainstMotoSeconds = [Math]::Round($warm.Seconds, 1)
    }
}
finally {
    foreach ($p in $proxies) { Stop-AwsProxy $p }
    if ($moto) { Stop-ServerProcess $moto.Process }
    Remove-Item Env:ACCOUNTS, Env:REGIONS, Env:PER_SHARD, Env:FUNCTIONS_PER_SHARD -ErrorAction SilentlyContinue
    foreach ($name in $callersEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $callersEnvironment[$name]) }
    Remove-Item -Recurse -Force $Work -ErrorAction SilentlyContinue
}
