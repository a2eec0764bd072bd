# Helpers the Pester specs share: the built module, moto, scenario seeds, the recording proxy and fresh pwsh runs.
Set-StrictMode -Version Latest
$Root = Resolve-Path (Join-Path $PSScriptRoot '../..')
Import-Module (Join-Path $Root 'tests/TestServices.psm1')

function Get-TestModulePath {
    if ($env:RT_MODULE_PATH) { return $env:RT_MODULE_PATH }
    Join-Path $Root 'out/RotationTroubleshooter'
}

<# The moto the test run started (RT_MOTO_URL), emptied, so each spec seeds its own world. #>
function Reset-TestMoto {
    if (-not $env:RT_MOTO_URL) { throw 'RT_MOTO_URL is not set: run the specs through ./build.ps1 Test, or start moto with Start-TestServices.' }
    Invoke-RestMethod -Method Post "$env:RT_MOTO_URL/moto-api/reset" | Out-Null
    Invoke-RestMethod -Method Post "$env:RT_MOTO_URL/moto-api/config" -ContentType 'application/json' -Body '{"lambda":{"use_docker":false}}' | Out-Null
    $env:RT_MOTO_URL
}

<# Runs tests/scenarios/<Name>.py (with -ArgumentList) against moto (through boto3, not the module) and returns what it printed as JSON. #>
function Invoke-Scenario([string] $Name, [string] $Endpoint = $env:RT_MOTO_URL, [string[]] $ArgumentList = @()) {
    $script = Join-Path $Root "tests/scenarios/$Name.py"
    $previous = $env:RT_MOTO_URL
    $env:RT_MOTO_URL = $Endpoint
    try {
        $output = python3 $script @ArgumentList 2>&1
        if ($LASTEXITCODE -ne 0) { throw "Scenario $Name failed:`n$($output -join "`n")" }
    }
    finally { $env:RT_MOTO_URL = $previous }
    ($output -join "`n") | ConvertFrom-Json
}

<#
Seeds AWS's real rotation templates through tests/harness (scenarios.py: deploys each template as a Lambda function in
moto, rotates its secret as Secrets Manager does, the template's own code running against the test databases, and writes
Lambda's logs). -Name takes scenario names, "name:Text"/"name:JSON", or "all". Returns a hashtable "scenario:Format" ->
@{ secretArn; secretName; functionName; rotations (each: versionId, outcome, failedStep, invocations) }.
#>
function Invoke-RealTemplateScenario([string[]] $Name = @('all')) {
    if (-not $env:RT_TEST_SERVERS) { throw 'RT_TEST_SERVERS is not set: the real templates log into the test databases (tests/Invoke-Spec.ps1 -Databases).' }
    $errors = [IO.Path]::GetTempFileName()
    try {
        $output = python3 (Join-Path $Root 'tests/harness/scenarios.py') @Name 2>$errors
        if ($LASTEXITCODE -ne 0) { throw "The harness failed to seed $($Name -join ', '):`n$(Get-Content $errors -Raw)" }
    }
    finally { Remove-Item $errors -ErrorAction SilentlyContinue }
    ($output -join "`n") | ConvertFrom-Json -AsHashtable
}

<#
For the specs that run AWS's rotation templates, in blocks tagged RotationTemplates (Invoke-PesterSuite fails any other
skipped test): Test-RotationTemplates in BeforeAll says whether they are here (seed nothing when not);
Skip-WithoutRotationTemplates $_ in BeforeEach marks the test skipped, with the reason and the test case, when not.
#>
$script:RotationTemplates = $null

function Test-RotationTemplates {
    if (-not $script:RotationTemplates) { $script:RotationTemplates = Find-RotationTemplates }
    [bool]$script:RotationTemplates.Path
}

function Skip-WithoutRotationTemplates([hashtable] $Case) {
    if (Test-RotationTemplates) { return }
    $values = if ($Case -and $Case.Count) { ' (' + (($Case.GetEnumerator() | Sort-Object Key | ForEach-Object { "$($_.Key) $($_.Value)" }) -join ', ') + ')' }
    Set-ItResult -Skipped -Because "$($script:RotationTemplates.Reason)$values"
}

<#
Starts tests/fakes/aws_proxy.py in front of moto; returns @{ Url; Process; CountFile; RecordFile; RequestLog }.
-CodeDirectory serves Lambda code downloads from that folder (functions/<name>.zip, layers/<name>-<version>.zip), see
aws_proxy.py. -Fault takes the proxy's KIND:OPERATION:RATE rules (throttle, 500, reset, slow, truncate); -SlowSeconds is
how long "slow" waits. -Throttle 'service:Operation=rate' answers AWS throttling errors above that rate. -Delay 'TEXT=MS'
makes requests whose body or path names TEXT wait MS more.
#>
function Start-AwsProxy([string] $Upstream = $env:RT_MOTO_URL, [string] $Recorded, [double] $LatencyMs = 0,
    [string] $CodeDirectory, [string[]] $ExpiredCode = @(), [string[]] $FlakyCode = @(), [string[]] $Fault = @(), [double] $SlowSeconds = 30,
    [string[]] $Throttle = @(), [string[]] $Delay = @(), [string] $RecordAnswers, [string] $Replay) {
    $port = Get-FreeTcpPort
    $state = Join-Path ([IO.Path]::GetTempPath()) "rt-proxy-$port"
    New-Item -ItemType Directory -Force $state | Out-Null
    $countFile = Join-Path $state 'counts.json'
    $recordFile = Join-Path $state 'requests.jsonl'
    $requestLog = Join-Path $state 'timings.jsonl'
    $arguments = @((Join-Path $Root 'tests/fakes/aws_proxy.py'), '--upstream', $Upstream, '--port', "$port", '--count-file', $countFile, '--latency-ms', "$LatencyMs",
        '--record-file', $recordFile, '--slow-seconds', "$SlowSeconds", '--request-log', $requestLog)
    foreach ($rule in $Fault) { $arguments += @('--fault', $rule) }
    foreach ($rule in $Throttle) { $arguments += @('--throttle', $rule) }
    foreach ($rule in $Delay) { $arguments += @('--delay', $rule) }
    if ($Recorded) { $arguments += @('--recorded', (Join-Path $Root "tests/fakes/recorded/$Recorded")) }
    if ($CodeDirectory) { $arguments += @('--code-dir', $CodeDirectory) }
    if ($RecordAnswers) { $arguments += @('--record-answers', $RecordAnswers) }
    if ($Replay) { $arguments += @('--replay', $Replay) }
    foreach ($name in $ExpiredCode) { $arguments += @('--expired-code', $name) }
    foreach ($name in $FlakyCode) { $arguments += @('--flaky-code', $name) }
    $process = Start-BackgroundProcess (Get-Command python3 -CommandType Application | Select-Object -First 1).Source $arguments (Join-Path $state 'proxy.log')
    $url = "http://127.0.0.1:$port"
    try { Wait-HttpReady "$url/moto-api/" $process (Join-Path $state 'proxy.log') }
    catch { Stop-ServerProcess $process; throw }
    Remove-Item $countFile, $recordFile, $requestLog -ErrorAction SilentlyContinue
    [pscustomobject]@{ Url = $url; Process = $process; CountFile = $countFile; RecordFile = $recordFile; RequestLog = $requestLog }
}

<# The requests the proxy answered, in arrival order: op ('service:Operation'), start and end (Unix seconds), status, throttled. #>
function Get-ProxyRequest($Proxy) {
    if (-not (Test-Path $Proxy.RequestLog)) { return @() }
    @(Get-Content $Proxy.RequestLog | ForEach-Object { $_ | ConvertFrom-Json } | Sort-Object start)
}

<# Every request the proxy saw since it started (or since Clear-ProxyRecord), in order: @{ service; operation; method; path }. #>
function Get-ProxyRecord($Proxy) {
    if (-not (Test-Path $Proxy.RecordFile)) { return @() }
    @(Get-Content $Proxy.RecordFile | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json })
}

function Clear-ProxyRecord($Proxy) { Remove-Item $Proxy.RecordFile -ErrorAction SilentlyContinue }

<# Requests the proxy saw, as a hashtable 'service:Operation' -> count. #>
function Get-ProxyCount($Proxy) {
    $counts = @{}
    if (Test-Path $Proxy.CountFile) {
        (Get-Content $Proxy.CountFile -Raw | ConvertFrom-Json).PSObject.Properties | ForEach-Object { $counts[$_.Name] = $_.Value }
    }
    $counts
}

function Stop-AwsProxy($Proxy) { if ($Proxy) { Stop-ServerProcess $Proxy.Process } }

<# Credentials and region for moto, through the environment as a user's shell would have them. #>
function Set-TestAwsEnvironment {
    $env:AWS_ACCESS_KEY_ID = 'testing'
    $env:AWS_SECRET_ACCESS_KEY = 'testing'
    $env:AWS_REGION = 'us-east-1'
    $env:AWS_EC2_METADATA_DISABLED = 'true'
    Remove-Item Env:AWS_SESSION_TOKEN, Env:AWS_PROFILE, Env:AWS_DEFAULT_REGION, Env:AWS_ENDPOINT_URL -ErrorAction SilentlyContinue
}

<#
Runs a script in a new pwsh process (for what must happen before the module loads, such as another AWSSDK.Core).
Returns @{ ExitCode; Output } with all streams merged.
#>
function Invoke-FreshPwsh([string] $Script, [hashtable] $Environment = @{}) {
    $file = Join-Path ([IO.Path]::GetTempPath()) "rt-fresh-$([guid]::NewGuid()).ps1"
    Set-Content $file $Script
    $saved = @{}
    foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
    try {
        $output = & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $file *>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String) }
    }
    finally {
        foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        Remove-Item $file -ErrorAction SilentlyContinue
    }
}

function Get-NuGetPackagePath([string] $Id, [string] $Version) {
    $cache = ((dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
    Join-Path $cache "$($Id.ToLowerInvariant())/$Version"
}

<#
.SYNOPSIS
    Builds the native fixtures with gcc (libpq-like objects with AWS's 9.4.x and 10.x build paths, driver modules) into a
    new temporary folder, and points the bundle scenarios at it (RT_FIXTURES, RT_CODE_DIR). Returns Work, Fixtures, CodeDir.
#>
function Initialize-NativeBundles([string] $Prefix) {
    $work = (New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "rt-$Prefix-$([guid]::NewGuid().ToString('N'))")).FullName
    $folders = [pscustomobject]@{ Work = $work; Fixtures = (Join-Path $work 'fixtures'); CodeDir = (Join-Path $work 'code') }
    New-NativeFixtures $folders.Fixtures
    $env:RT_FIXTURES = $folders.Fixtures
    $env:RT_CODE_DIR = $folders.CodeDir
    $folders
}

Export-ModuleMember -Function Initialize-NativeBundles, Get-TestModulePath, Reset-TestMoto, Invoke-Scenario, Invoke-RealTemplateScenario, Test-RotationTemplates, Skip-WithoutRotationTemplates, Start-AwsProxy, Get-ProxyCount, Get-ProxyRequest, Stop-AwsProxy, Get-ProxyRecord, Clear-ProxyRecord,
    Set-TestAwsEnvironment, Invoke-FreshPwsh, Get-NuGetPackagePath, Get-FreeTcpPort
