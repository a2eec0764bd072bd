<#
.SYNOPSIS
    The demo build.ps1 Demo runs: seeds moto with broken rotations (through boto3, as a real account would have them)
    and shows what an administrator sees when running the module against it.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $MotoUrl
)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path (Join-Path $PSScriptRoot '..')
Import-Module (Join-Path $root 'tests/TestServices.psm1')

function Show([string] $Title, [scriptblock] $Command) {
    Write-Host ''
    Write-Host "PS> $($Command.ToString().Trim())" -ForegroundColor Yellow
    if ($Title) { Write-Host "# $Title" -ForegroundColor DarkGray }
    & $Command | Out-String -Width 120 | Out-Host
}

$env:RT_MOTO_URL = $MotoUrl
# What a user's shell has: credentials and a region (and, below, the emulator's endpoint).
$env:AWS_ACCESS_KEY_ID = 'demo'; $env:AWS_SECRET_ACCESS_KEY = 'demo'; $env:AWS_REGION = 'us-east-1'
Write-Host "Seeding moto at $MotoUrl with rotation functions, secrets and their logs..." -ForegroundColor Cyan
# Three network layouts (healthy, no route to Secrets Manager, database security group closed), each in its own VPC.
$env:RT_NETWORK_SCENARIOS = 'endpoint-healthy no-route db-sg-blocks'
foreach ($scenario in 'function_age', 'rotation_network', 'demo_rotations') {
    $output = python3 (Join-Path $root "tests/scenarios/$scenario.py") 2>&1
    if ($LASTEXITCODE -ne 0) { throw "Seeding $scenario failed:`n$($output -join "`n")" }
}
# The functions' code: PyGreSQL with libpq 9.4 for demo/reports-db's, with libpq 10 for the others.
$bundles = New-Item -ItemType Directory -Force (Join-Path ([IO.Path]::GetTempPath()) "rt-demo-bundles-$PID")
$codeDir = New-DemoFunctionCode $MotoUrl $bundles

# moto cannot backdate a stack: a loopback proxy answers DescribeStacks for the 2021 stack from a recorded AWS response.
$port = Get-FreeTcpPort
$log = Join-Path ([IO.Path]::GetTempPath()) "rt-demo-proxy-$port.log"
$proxy = Start-BackgroundProcess (Get-Command python3 -CommandType Application | Select-Object -First 1).Source @(
    (Join-Path $root 'tests/fakes/aws_proxy.py'), '--upstream', $MotoUrl, '--port', "$port",
    '--recorded', (Join-Path $root 'tests/fakes/recorded/legacy-stack.json'), '--code-dir', $codeDir) $log
try {
    Wait-HttpReady "http://127.0.0.1:$port/moto-api/" $proxy $log
    $env:AWS_ENDPOINT_URL = "http://127.0.0.1:$port"
    Import-Module $ModulePath
    $export = New-Item -ItemType Directory -Force (Join-Path ([IO.Path]::GetTempPath()) "rt-demo-$PID")
    aws logs filter-log-events --endpoint-url $MotoUrl --region us-east-1 --log-group-name /aws/lambda/SecretsManagerRDSPostgreSQLRotation-orders-db --output json |
        Set-Content (Join-Path $export 'orders-db.json')

    Show 'Every secret that rotates, one diagnosis each' { Test-SecretRotation | Sort-Object Status, Name }
    Show 'Objects export as words: the findings column of a CSV reads as severity and id' {
        Test-SecretRotation | Where-Object Status -eq Failing | Select-Object Name, Status, Summary, Findings | Export-Csv (Join-Path $export 'failing.csv')
        Import-Csv (Join-Path $export 'failing.csv') | Select-Object -First 2 | Format-List
    }
    Show 'One secret in full' { Test-SecretRotation -SecretId demo/payments-db | Format-List }
    Show 'Its findings, each with evidence and a remediation' { (Test-SecretRotation -SecretId demo/payments-db).Findings | Where-Object Severity -ne Info | Format-List }
    Show 'The symptom the logs show, and the cause the evidence confirms' {
        Test-SecretRotation -SecretId prod/no-route, prod/db-sg-blocks | Format-List Name, Status, Symptom, Cause, Summary
    }
    Show 'Why? Every cause AWS''s guide gives for the symptom, weighed against the evidence (and what would settle the rest)' {
        (Test-SecretRotation -SecretId demo/reports-db).Causes | Format-Table Id, Verdict, Command -AutoSize -Wrap
    }
    Show 'What each verdict rests on' {
        (Test-SecretRotation -SecretId demo/reports-db).Causes | Where-Object Verdict -ne RuledOut | Format-List
    }
    Show 'The rotation attempts behind it, step by step' { Get-RotationFunctionLog -SecretId demo/payments-db -Last 1 | Select-Object -ExpandProperty Steps | Format-Table -AutoSize }
    Show 'The same logs exported by the AWS CLI, read offline' {
        Get-RotationFunctionLog -Path (Join-Path $export 'orders-db.json') | Format-Table -AutoSize
    }
    Show 'Can each rotation function reach Secrets Manager and its database, and which rule blocks it?' {
        'prod/endpoint-healthy', 'prod/no-route', 'prod/db-sg-blocks' | Test-RotationNetwork
    }
    Show 'The blocking rule, named' { (Test-RotationNetwork -SecretId prod/db-sg-blocks).Findings | Format-List }
    Show 'Which libpq does a deployment bundle carry, and can it do scram-sha-256? (read offline)' {
        Test-LibpqScramSupport -Path (Join-Path $bundles 'function-libpq94'), (Join-Path $bundles 'function-libpq10') | Format-Table -AutoSize
    }
    Show 'When were the rotation functions set up?' { 'prod/orders/db', 'prod/legacy/db' | Get-RotationFunctionAge | Format-Table -AutoSize }
    Show 'A function that no stack dates' { Get-RotationFunctionAge -FunctionName rotation-no-stack-tag | Format-List }
    Show 'Close the loop, 1: what would the mechanical repairs change? (-WhatIf: nothing is changed)' {
        Test-SecretRotation | Sort-Object Name | Repair-SecretRotation -WhatIf | Format-Table -AutoSize
    }
    Show '2: make them (-Confirm:$false: this script cannot answer the prompt each change would show)' {
        Test-SecretRotation -SecretId demo/billing-db, demo/analytics-db | Repair-SecretRotation -Confirm:$false |
            Where-Object Status -ne NotRepairable | Format-List SecretName, CheckId, Status, Target, Before, After
    }
    # Secrets Manager would now invoke the rotation function: here the harness plays it for the version
    # Start-SecretRotation starts, running AWS's PostgreSQL template where RT_ROTATION_TEMPLATES names a checkout of
    # them and otherwise the project's rotation player, which says what the template says here. The demo's database
    # host does not resolve, so either stops in setSecret.
    $templates = if (-not $env:RT_ROTATION_TEMPLATES) { [pscustomobject]@{ Path = $null; Reason = "RT_ROTATION_TEMPLATES is not set (README's Tests says how to fetch AWS's templates)" } }
    else { try { Find-RotationTemplates } catch { [pscustomobject]@{ Path = $null; Reason = $_.Exception.Message } } }
    if ($templates.Path) {
        $played = "AWS's template SecretsManagerRDSPostgreSQLRotationSingleUser, from $($templates.Path)"
        $installed = bash (Join-Path $root 'tests/harness/install-drivers.sh') 2>&1
        if ($LASTEXITCODE -ne 0) { throw "Installing the template's database driver failed:`n$($installed -join "`n")" }
    }
    else { $played = "the project's rotation player (tests/harness/rotation_player), in place of AWS's template: $($templates.Reason)" }
    $watcherLog = Join-Path ([IO.Path]::GetTempPath()) "rt-demo-rotation-$PID.log"
    $watcher = Start-BackgroundProcess (Get-Command python3 -CommandType Application | Select-Object -First 1).Source @(
        (Join-Path $root 'tests/scenarios/start_rotation.py'), 'run', 'demo/billing-db', 'SecretsManagerRDSPostgreSQLRotation-billing-db',
        $(if ($templates.Path) { 'template' } else { 'player' })) $watcherLog
    Show '3: rotate and follow the attempt step by step (Write-Progress shows each step and its time as the logs show it)' {
        Test-SecretRotation -SecretId demo/billing-db | Start-SecretRotation -Wait -TimeoutSeconds 120 -Confirm:$false |
            Format-List Outcome, FailedStep, Symptom, Evidence, Remediation, @{ n = 'Steps'; e = { $_.Steps | ForEach-Object { '{0} {1} {2:0} ms' -f $_.Step, $_.Outcome, $_.DurationMs } } }
    }
    if (-not $watcher.WaitForExit(60000)) { throw "The rotation harness did not finish; see $watcherLog." }
    if ($watcher.ExitCode -ne 0) { throw "The rotation harness failed:`n$(Get-Content $watcherLog -Raw)" }
    Write-Host "# Secrets Manager and Lambda were played by tests/harness; the function's code was $played" -ForegroundColor DarkGray

    Show 'Errors name what was wrong and never stop the pipeline' {
        'demo/healthy-db', 'demo/no-such-secret', 'arn:aws:secretsmanager:bad' | Test-SecretRotation -ErrorAction Continue 2>&1 |
            ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { "error $($_.FullyQualifiedErrorId.Split(',')[0]): $($_.Exception.Message)" } else { "$($_.Name): $($_.Status)" } }
    }
}
finally {
    Stop-ServerProcess $proxy
    if ($watcher -and -not $watcher.HasExited) { Stop-ServerProcess $watcher }
    if ($export) { Remove-Item $export -Recurse -Force -ErrorAction SilentlyContinue }
    Remove-Item $bundles -Recurse -Force -ErrorAction SilentlyContinue
}
