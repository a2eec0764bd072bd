<#
.SYNOPSIS
    The rotation-history benchmark (issue 25): Get-RotationHistory for 1,000 secrets rotated by 100 functions, through the
    loopback proxy whose CloudTrail Event history answers LookupEvents at a quota (tests/fakes/cloudtrail_fake.py), against
    the floor that quota sets for the lookups the fleet needs (one per resource). Writes bench/README.md's history block.
.EXAMPLE
    dotnet pwsh bench/Invoke-HistoryBenchmark.ps1
.EXAMPLE
    dotnet pwsh bench/Invoke-HistoryBenchmark.ps1 -SecretCount 100 -FunctionCount 10 -NoReadme
#>
param(
    [int] $SecretCount = 1000,
    [int] $FunctionCount = 100,
    # CloudTrail's quota is 2 LookupEvents per second; the run scales it (proxy and module alike) to keep to minutes.
    # What is compared is the run's time against the floor of the same rate, so the ratio does not depend on it.
    [double] $Rate = 20,
    [switch] $SkipBuild,
    [switch] $NoReadme
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$PSStyle.OutputRendering = 'PlainText'
$Root = Resolve-Path (Join-Path $PSScriptRoot '..')
Import-Module (Join-Path $Root 'tests/TestServices.psm1') -Force
Import-Module (Join-Path $Root 'tests/Pester/TestHelpers.psm1') -Force
$Module = Join-Path $Root 'out/RotationTroubleshooter'
$Work = Join-Path ([IO.Path]::GetTempPath()) "rt-history-bench-$PID"
New-Item -ItemType Directory -Force $Work | Out-Null
function Write-Step([string] $Text) { Write-Host "[$([DateTime]::UtcNow.ToString('HH:mm:ss'))] $Text" }

if (-not $SkipBuild) { Write-Step 'Building'; & dotnet pwsh (Join-Path $Root 'build.ps1') Build | Out-Null }
$moto = Start-Moto (Join-Path $Work 'moto')
$proxy = $null
try {
    $proxy = Start-AwsProxy -Upstream $moto.Url -Throttle "cloudtrail:LookupEvents=$Rate"
    Write-Step "Seeding $SecretCount secrets over $FunctionCount functions"
    $env:RT_MOTO_URL = $moto.Url
    $seed = python3 (Join-Path $PSScriptRoot 'seed_history.py') $proxy.Url $SecretCount $FunctionCount | ConvertFrom-Json
    if ($LASTEXITCODE -ne 0) { throw 'Seeding failed' }

    $child = Join-Path $Work 'child.ps1'
    Set-Content $child @'
param([string] $Module, [string] $Url, [int] $Count)
$ErrorActionPreference = 'Stop'
Import-Module $Module
$watch = [Diagnostics.Stopwatch]::StartNew()
$secrets = 0; $events = 0; $values = 0
(0..($Count - 1)) | ForEach-Object { 'bench/history/{0:D4}' -f $_ } |
    Get-RotationHistory -Days 30 -EndpointUrl $Url -ErrorVariable failures -ErrorAction SilentlyContinue -ProgressAction SilentlyContinue |
    Group-Object SecretArn | ForEach-Object { $secrets++; $events += $_.Count }
[pscustomobject]@{ Seconds = $watch.Elapsed.TotalSeconds; Secrets = $secrets; Events = $events; Failures = @($failures).Count } | ConvertTo-Json -Compress
'@
    Write-Step "Get-RotationHistory for $SecretCount secrets, CloudTrail at $Rate/s"
    $since = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000.0
    $env:ROTATION_TROUBLESHOOTER_RATE_LIMITS = "cloudtrail:LookupEvents=$Rate"
    $env:AWS_ACCESS_KEY_ID = 'testing'; $env:AWS_SECRET_ACCESS_KEY = 'testing'; $env:AWS_DEFAULT_REGION = 'us-east-1'
    $run = & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -File $child $Module $proxy.Url $SecretCount | Select-Object -Last 1 | ConvertFrom-Json
    Remove-Item Env:ROTATION_TROUBLESHOOTER_RATE_LIMITS
    $lookups = @(Get-ProxyRequest $proxy | Where-Object { $_.op -eq 'cloudtrail:LookupEvents' -and $_.start -ge $since })
    $throttled = @($lookups | Where-Object throttled).Count
    $needed = $SecretCount + $FunctionCount
    $floor = [Math]::Max(0, $needed - 1) / $Rate
    $span = if ($lookups.Count) { ($lookups | Measure-Object end -Maximum).Maximum - ($lookups | Measure-Object start -Minimum).Minimum } else { 0 }
    $real = [Math]::Max(0, $needed - 1) / 2
    $rows = @(
        "| resources the fleet needs (one lookup each: $SecretCount secrets + $FunctionCount functions) | $needed |"
        "| LookupEvents requests sent | $($lookups.Count) ($throttled answered ThrottlingException) |"
        "| quota's floor for them at $Rate/s (first at once, then one per 1/rate s) | $([Math]::Round($floor, 1)) s |"
        "| first to last lookup | $([Math]::Round($span, 1)) s ($([Math]::Round($span / [Math]::Max(0.001, $floor), 2)) x the floor) |"
        "| whole run (import, DescribeSecret, GetFunction, logs, lookups) | $([Math]::Round($run.Seconds, 1)) s for $($run.Secrets) timelines, $($run.Events) events, $($run.Failures) errors |"
        "| the same lookups at CloudTrail's real 2/s: floor | $([Math]::Round($real, 1)) s ($([Math]::Round($real / 60, 1)) min) |"
    )
    $block = @("Measured $([DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm'))Z on this machine (2 shared cores), ``dotnet pwsh bench/Invoke-HistoryBenchmark.ps1 -SecretCount $SecretCount -FunctionCount $FunctionCount -Rate $Rate``:", '',
        '| figure | value |', '|---|---|') + $rows
    $block | Write-Host
    if (-not $NoReadme) {
        $readme = Join-Path $PSScriptRoot 'README.md'
        $text = Get-Content $readme -Raw
        $begin = '<!-- history-results:begin -->'; $end = '<!-- history-results:end -->'
        $text = [regex]::Replace($text, "(?s)$([regex]::Escape($begin)).*?$([regex]::Escape($end))", { param($m) "$begin`n$($block -join "`n")`n$end" })
        Set-Content $readme $text -NoNewline
    }
}
finally {
    Stop-AwsProxy $proxy
    Stop-ServerProcess $moto.Process
    Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue
}
