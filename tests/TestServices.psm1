# Starts and stops the real servers the tests and the demo use, all on 127.0.0.1: moto (the AWS emulator), and,
# for the database tests, PostgreSQL and MariaDB.
Set-StrictMode -Version Latest

function Get-FreeTcpPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Wait-HttpReady([string] $Url, [System.Diagnostics.Process] $Process, [string] $Log, [int] $TimeoutSeconds = 60) {
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if ($Process.HasExited) { throw "The server exited early (code $($Process.ExitCode)). Log:`n$(Get-Content $Log -Raw -ErrorAction SilentlyContinue)" }
        try { Invoke-WebRequest $Url -TimeoutSec 2 -SkipHttpErrorCheck | Out-Null; return } catch { Start-Sleep -Milliseconds 200 }
    }
    throw "The server at $Url did not answer within $TimeoutSeconds s. Log:`n$(Get-Content $Log -Raw -ErrorAction SilentlyContinue)"
}

function Start-BackgroundProcess([string] $FileName, [string[]] $Arguments, [string] $Log, [hashtable] $Environment = @{}) {
    $info = [System.Diagnostics.ProcessStartInfo]::new($FileName)
    foreach ($a in $Arguments) { $info.ArgumentList.Add($a) }
    foreach ($k in $Environment.Keys) { $info.Environment[$k] = $Environment[$k] }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::new()
    $process.StartInfo = $info
    $writer = [System.IO.StreamWriter]::new($Log, $true)
    $writer.AutoFlush = $true
    $handler = { if ($null -ne $EventArgs.Data) { $Event.MessageData.WriteLine($EventArgs.Data) } }
    Register-ObjectEvent $process OutputDataReceived -Action $handler -MessageData $writer | Out-Null
    Register-ObjectEvent $process ErrorDataReceived -Action $handler -MessageData $writer | Out-Null
    $process.Start() | Out-Null
    $process.BeginOutputReadLine()
    $process.BeginErrorReadLine()
    $process
}

<#
.SYNOPSIS
    Starts moto_server on a free loopback port (Lambda without Docker). Returns @{ Url; Process }.
#>
function Start-Moto([string] $StateDirectory, [hashtable] $Environment = @{}) {
    New-Item -ItemType Directory -Force $StateDirectory | Out-Null
    $port = Get-FreeTcpPort
    $log = Join-Path $StateDirectory "moto-$port.log"
    $python = (Get-Command python3 -CommandType Application | Select-Object -First 1).Source
    $process = Start-BackgroundProcess $python @('-m', 'moto.server', '-H', '127.0.0.1', '-p', "$port") $log $Environment
    $url = "http://127.0.0.1:$port"
    Wait-HttpReady "$url/moto-api/" $process $log
    Invoke-RestMethod -Method Post "$url/moto-api/config" -ContentType 'application/json' -Body '{"lambda":{"use_docker":false}}' | Out-Null
    [pscustomobject]@{ Url = $url; Process = $process; Log = $log }
}

function Stop-ServerProcess([System.Diagnostics.Process] $Process) {
    if ($Process -and -not $Process.HasExited) {
        $Process.Kill($true)
        $Process.WaitForExit(10000) | Out-Null
    }
}

<#
.SYNOPSIS
    Starts every server the tests need; returns a state object for Stop-TestServices and sets RT_MOTO_URL
    (and RT_TEST_SERVERS when the database servers start).
#>
function Start-TestServices([string] $StateDirectory, [switch] $MotoOnly) {
    $moto = Start-Moto $StateDirectory
    $env:RT_MOTO_URL = $moto.Url
    $state = [pscustomobject]@{ MotoUrl = $moto.Url; Moto = $moto; StateDirectory = $StateDirectory; Databases = $null }
    $databases = Join-Path $PSScriptRoot 'servers/TestServers.psm1'
    if (-not $MotoOnly -and (Test-Path $databases)) {
        Import-Module $databases -Force
        try {
            $state.Databases = Start-TestDatabaseServers -StateDirectory (Join-Path $StateDirectory 'databases')
            $env:RT_TEST_SERVERS = Join-Path $StateDirectory 'databases/servers.json'
        }
        catch {
            Stop-ServerProcess $moto.Process
            throw
        }
    }
    $state
}

function Stop-TestServices($State) {
    if ($null -eq $State) { return }
    if ($State.Databases) { Stop-TestDatabaseServers -StateDirectory (Join-Path $State.StateDirectory 'databases') }
    Stop-ServerProcess $State.Moto.Process
    Remove-Item Env:RT_MOTO_URL, Env:RT_TEST_SERVERS -ErrorAction SilentlyContinue
}

<#
.SYNOPSIS
    Where AWS's rotation templates are, as tests/harness decides (RT_ROTATION_TEMPLATES, then
    ../shared/peers/aws-rotation-lambdas beside the repository): @{ Path } when found, @{ Path = $null; Reason } when
    not. Throws when RT_ROTATION_TEMPLATES names a folder that does not hold them.
#>
function Find-RotationTemplates {
    $errors = [IO.Path]::GetTempFileName()
    try {
        $output = python3 (Join-Path $PSScriptRoot 'harness/rotation_harness.py') templates 2>$errors
        if ($LASTEXITCODE -ne 0) { throw (Get-Content $errors -Raw).Trim() }
    }
    finally { Remove-Item $errors -ErrorAction SilentlyContinue }
    ($output -join "`n") | ConvertFrom-Json
}

<# Builds the native fixtures with gcc (installed with libpq5 where a fresh machine lacks them) into a folder. #>
function New-NativeFixtures([string] $Folder) {
    $root = Resolve-Path (Join-Path $PSScriptRoot '..')
    $null = bash (Join-Path $root 'tests/native/install-native-tools.sh')
    if ($LASTEXITCODE -ne 0) { throw 'gcc or libpq5 is missing and could not be installed.' }
    $built = bash (Join-Path $root 'tests/native/build-libpq-fixtures.sh') $Folder 2>&1
    if ($LASTEXITCODE -ne 0) { throw "Building the native fixtures failed:`n$($built -join "`n")" }
}

<#
Serves the demo's functions' code where Lambda's presigned Code.Location would be (moto's names a host it does not
serve): two unpacked bundles built with gcc like AWS's, PyGreSQL's _pg.so beside a libpq from PostgreSQL 9.4 or 10;
demo/reports-db's function gets the old one, every other the current one. Returns the folder for aws_proxy.py --code-dir.
#>
function New-DemoFunctionCode([string] $MotoUrl, [string] $Folder) {
    New-NativeFixtures (Join-Path $Folder 'fixtures')
    foreach ($version in '94', '10') {
        $bundle = New-Item -ItemType Directory -Force (Join-Path $Folder "function-libpq$version")
        Copy-Item (Join-Path $Folder "fixtures/pg$version/*"), (Join-Path $Folder "fixtures/libpq$version/*") $bundle
    }
    $code = New-Item -ItemType Directory -Force (Join-Path $Folder 'code/functions')
    $functions = (aws lambda list-functions --endpoint-url $MotoUrl --region us-east-1 --output json | ConvertFrom-Json).Functions.FunctionName
    foreach ($function in $functions) {
        $bundle = if ($function -like '*-reports-db') { 'function-libpq94' } else { 'function-libpq10' }
        Compress-Archive -Force -Path (Join-Path $Folder "$bundle/*") -DestinationPath (Join-Path $code "$function.zip")
    }
    Split-Path $code
}

Export-ModuleMember -Function New-NativeFixtures, New-DemoFunctionCode, Find-RotationTemplates, Get-FreeTcpPort, Start-Moto, Start-BackgroundProcess, Wait-HttpReady, Stop-ServerProcess, Start-TestServices, Stop-TestServices
