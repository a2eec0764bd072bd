<#
.SYNOPSIS
    Benchmark (not a test): a fleet of shards (accounts x regions) in one Test-SecretRotation against the slowest of
    them alone, in one run. Seeds moto through boto3 (bench/seed_shards.py), puts tests/fakes/aws_proxy.py in front of
    it with 30 ms per request (no throttling: the proxy's buckets are per operation, not per account and region, so the
    client's own per-shard limits are what keeps each shard to AWS's rates), then times each shard alone (each in a new
    pwsh) and all of them in one command (a new pwsh), and prints the figures for bench/README.md.
.EXAMPLE
    dotnet pwsh bench/Measure-Shards.ps1 -SecretsPerShard 200
#>
param(
    [int] $SecretsPerShard = 200,
    [string[]] $Accounts = @('123456789012', '210987654321', '345678901234', '456789012345', '567890123456'),
    [string[]] $Regions = @('us-east-1', 'eu-west-1')
)
$ErrorActionPreference = 'Stop'
$Root = Resolve-Path (Join-Path $PSScriptRoot '..')
Import-Module (Join-Path $Root 'tests/TestServices.psm1') -Force
Import-Module (Join-Path $Root 'tests/Pester/TestHelpers.psm1') -Force
$Module = Join-Path $Root 'out/RotationTroubleshooter'
$Work = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "rt-shards-$PID")
function Write-Step([string] $Text) { Write-Host "[$([DateTime]::UtcNow.ToString('HH:mm:ss'))] $Text" }

$moto = Start-Moto (Join-Path $Work 'moto')
$proxy = $null
try {
    $env:RT_MOTO_URL = $moto.Url
    Invoke-RestMethod -Method Post "$($moto.Url)/moto-api/config" -ContentType 'application/json' -Body '{"lambda":{"use_docker":false}}' | Out-Null
    Write-Step "Seeding $($Accounts.Count) accounts x $($Regions.Count) regions x $SecretsPerShard secrets"
    $env:ACCOUNTS = $Accounts -join ','; $env:REGIONS = $Regions -join ','; $env:PER_SHARD = "$SecretsPerShard"
    $seed = python3 (Join-Path $PSScriptRoot 'seed_shards.py')
    if ($LASTEXITCODE) { throw "seeding failed: $seed" }
    $proxy = Start-AwsProxy -Upstream $moto.Url -LatencyMs 30
    $run = Join-Path $Work 'run.ps1'
    Set-Content $run @'
param([string] $Module, [string] $Url, [string] $AccountIds, [string] $RegionList)
Import-Module $Module
$env:AWS_ACCESS_KEY_ID = 'testing'; $env:AWS_SECRET_ACCESS_KEY = 'testing'; $env:AWS_REGION = 'us-east-1'; $env:AWS_EC2_METADATA_DISABLED = 'true'
$watch = [Diagnostics.Stopwatch]::StartNew()
$d = @(Test-SecretRotation -EndpointUrl $Url -AccountId ($AccountIds -split ',') -OrganizationRoleName RotationAuditor -Region ($RegionList -split ',') -ErrorVariable failures -ErrorAction SilentlyContinue)
$watch.Stop()
[pscustomobject]@{ Seconds = $watch.Elapsed.TotalSeconds; Diagnosed = $d.Count; Errors = $failures.Count
    Unknown = @($d | Where-Object Status -eq Unknown).Count; Skipped = @($d.Findings | Where-Object CheckId -eq CheckSkipped).Count
    Grouped = (($d | ForEach-Object { "$($_.AccountId)/$($_.Region)" } | Select-Object -Unique) -join ',') } | ConvertTo-Json -Compress
'@
    function Invoke-Shards([string[]] $A, [string[]] $R) {
        $out = dotnet pwsh -NoProfile -File $run -Module $Module -Url $proxy.Url -AccountIds ($A -join ',') -RegionList ($R -join ',')
        if ($LASTEXITCODE) { throw "run failed: $out" }
        ($out | Select-Object -Last 1) | ConvertFrom-Json
    }
    $alone = foreach ($a in $Accounts) {
        foreach ($r in $Regions) {
            Write-Step "Shard $a/$r alone"
            $result = Invoke-Shards $a $r
            [pscustomobject]@{ Shard = "$a/$r"; Seconds = [Math]::Round($result.Seconds, 2); Diagnosed = $result.Diagnosed; Errors = $result.Errors }
        }
    }
    Write-Step "All $($Accounts.Count * $Regions.Count) shards in one command"
    $all = Invoke-Shards $Accounts $Regions
    $slowest = ($alone | Sort-Object Seconds -Descending | Select-Object -First 1)
    $sum = ($alone | Measure-Object Seconds -Sum).Sum
    $alone | Format-Table | Out-String | Write-Host
    "shards: $($alone.Count) x $SecretsPerShard secrets; all in one command: $([Math]::Round($all.Seconds, 2)) s, $($all.Diagnosed) diagnosed, $($all.Errors) errors, $($all.Unknown) Unknown, $($all.Skipped) CheckSkipped"
    "slowest shard alone: $($slowest.Shard) $($slowest.Seconds) s; sum of shards alone: $([Math]::Round($sum, 2)) s"
    "ratio all / slowest alone: $([Math]::Round($all.Seconds / $slowest.Seconds, 2))x; all / sum: $([Math]::Round($all.Seconds / $sum, 2))x"
    "order of shards in the output: $($all.Grouped)"
}
finally {
    Stop-AwsProxy $proxy
    Stop-ServerProcess $moto.Process
    Remove-Item -Recurse -Force $Work -ErrorAction SilentlyContinue
}
