#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, packages and demonstrates the RotationTroubleshooter module.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Demo
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Demo', 'Docs')]
    [string[]] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'RotationTroubleshooter'
Import-Module (Join-Path $Root 'tests/TestServices.psm1') -Force

function Invoke-Native([string] $What, [scriptblock] $Command) {
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)." }
}

function Invoke-Build {
    Write-Host '== Build' -ForegroundColor Cyan
    $staging = Join-Path $Out 'staging'
    Remove-Item $ModuleOut, $staging -Recurse -Force -ErrorAction SilentlyContinue
    Invoke-Native 'Publishing the engine' { dotnet publish (Join-Path $Root 'src/RotationTroubleshooter.Engine') -c $Configuration -o (Join-Path $staging 'engine') -v q --nologo }
    Invoke-Native 'Building the cmdlets' { dotnet build (Join-Path $Root 'src/RotationTroubleshooter') -c $Configuration -o (Join-Path $staging 'cmdlets') -v q --nologo }

    $dependencies = New-Item -ItemType Directory -Force (Join-Path $ModuleOut 'dependencies')
    Get-ChildItem (Join-Path $staging 'engine') -File | Where-Object Extension -in '.dll', '.json' |
        Where-Object Name -ne 'RotationTroubleshooter.Engine.deps.json' | Copy-Item -Destination $dependencies
    Copy-Item (Join-Path $staging 'cmdlets/RotationTroubleshooter.dll') $ModuleOut
    Copy-Item (Join-Path $Root 'RotationTroubleshooter.psd1'), (Join-Path $Root 'README.md') $ModuleOut
    Copy-Item (Join-Path $Root 'src/RotationTroubleshooter/Formats') $ModuleOut -Recurse
    & (Join-Path $Root 'build/New-ModuleHelp.ps1') -ModulePath $ModuleOut -DocsPath (Join-Path $Root 'docs') `
        -OutputPath (Join-Path $ModuleOut 'en-US/RotationTroubleshooter.dll-Help.xml')
    Write-Host "Module built: $ModuleOut"
}

function Get-PesterModulePath {
    Invoke-Native 'Restoring Pester' { dotnet restore (Join-Path $Root 'build/tools.proj') -v q --nologo }
    $cache = (dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    Join-Path $cache.Trim() 'pester/5.7.1/tools/Pester.psd1'
}

function Invoke-Test {
    Invoke-Build
    Write-Host '== Test' -ForegroundColor Cyan
    $results = Join-Path $Out 'test-results'
    Remove-Item $results -Recurse -Force -ErrorAction SilentlyContinue
    New-Item -ItemType Directory $results | Out-Null
    $pester = Get-PesterModulePath
    # The bundle tests build libpq-like fixtures with gcc and read the machine's libpq: install them when missing.
    Invoke-Native 'Installing native test tools' { bash (Join-Path $Root 'tests/native/install-native-tools.sh') }
    # AWS's real rotation templates (tests/harness) need Debian's PostgreSQL and MySQL drivers. Where the templates are
    # not found, the specs that run them are skipped (a RT_ROTATION_TEMPLATES that does not hold them stops here).
    $templates = Find-RotationTemplates
    if ($templates.Path) {
        Write-Host "AWS's rotation templates: $($templates.Path)"
        Invoke-Native 'Installing the rotation template drivers' { bash (Join-Path $Root 'tests/harness/install-drivers.sh') }
    }
    else { Write-Host "Without AWS's rotation templates: $($templates.Reason)" }
    # The report spec opens Export-RotationReport's page in Debian's Chromium, headless.
    Invoke-Native 'Installing Chromium' { bash (Join-Path $Root 'tests/browser/install-chromium.sh') }
    $env:AWS_EC2_METADATA_DISABLED = 'true'
    $env:RT_MODULE_PATH = $ModuleOut
    $services = Start-TestServices -StateDirectory (Join-Path $Out 'services')
    try {
        dotnet test (Join-Path $Root 'tests/RotationTroubleshooter.Tests') -c $Configuration --nologo -v q `
            --logger 'trx;LogFileName=xunit.trx' --logger 'console;verbosity=normal' --results-directory $results | Out-Host
        $pesterJson = Join-Path $results 'pester.json'
        dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File (Join-Path $Root 'tests/Invoke-PesterSuite.ps1') `
            -PesterModule $pester -Path (Join-Path $Root 'tests/Pester') -ResultFile $pesterJson | Out-Host
    }
    finally {
        Stop-TestServices $services
    }

    $passed = 0; $failed = 0; $skipped = 0
    $trx = Join-Path $results 'xunit.trx'
    if (Test-Path $trx) {
        $run = ([xml](Get-Content $trx -Raw)).TestRun
        $counters = $run.ResultSummary.Counters
        $passed += [int]$counters.passed; $failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout
        # Only the tests that read AWS's templates may skip, and only where the templates are not found ([TemplateFact]).
        $notRun = @($run.Results.UnitTestResult | Where-Object outcome -eq 'NotExecuted')
        $templateSkips = @($notRun | Where-Object { -not $templates.Path -and "$($_.Output.ErrorInfo.Message)" -like "AWS's rotation templates were not found*" })
        $skipped += $templateSkips.Count
        if ($notRun.Count -gt $templateSkips.Count) { Write-Host "xunit skipped $($notRun.Count - $templateSkips.Count) tests that may not skip." -ForegroundColor Red; $failed += $notRun.Count - $templateSkips.Count }
    }
    else { Write-Host 'xunit produced no results.'; $failed++ }
    if (Test-Path $pesterJson) {
        $p = Get-Content $pesterJson -Raw | ConvertFrom-Json
        $passed += $p.Passed; $failed += $p.Failed; $skipped += $p.Skipped
    }
    else { Write-Host 'Pester produced no results.'; $failed++ }
    if ($skipped) { Write-Host "Skipped: the $skipped tests that run AWS's rotation templates. $($templates.Reason)" }
    $line = "$passed passed, $failed failed" + $(if ($skipped) { ", $skipped skipped" } else { '' })
    Write-Host $line
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Docs {
    # The check tables in README.md, docs/Test-SecretRotation.md and docs/reference/findings.md come from the check
    # catalogue, and docs/reference/driver-messages.md's table from the vocabulary; the tests that hold them equal write
    # them when RT_WRITE_DOCS is set.
    Write-Host '== Docs' -ForegroundColor Cyan
    $env:RT_WRITE_DOCS = '1'
    try {
        Invoke-Native 'Writing the check tables' { dotnet test (Join-Path $Root 'tests/RotationTroubleshooter.Tests') -c $Configuration --nologo -v q `
            --filter 'FullyQualifiedName~CheckCatalogueTests.The_docs_list_exactly_the_catalogue|FullyQualifiedName~DriverVocabularyTests.The_reference_lists_exactly_the_vocabulary' }
    }
    finally { Remove-Item Env:RT_WRITE_DOCS }
}

function Invoke-Package {
    Invoke-Build
    Write-Host '== Package' -ForegroundColor Cyan
    $repo = Join-Path $Out 'repository'
    Remove-Item $repo -Recurse -Force -ErrorAction SilentlyContinue
    New-Item -ItemType Directory $repo | Out-Null
    $name = 'RotationTroubleshooterBuild'
    Unregister-PSResourceRepository -Name $name -ErrorAction SilentlyContinue
    Register-PSResourceRepository -Name $name -Uri $repo -Trusted
    try {
        Publish-PSResource -Path $ModuleOut -Repository $name -SkipDependenciesCheck
    }
    finally {
        Unregister-PSResourceRepository -Name $name
    }
    Get-ChildItem $repo -Filter *.nupkg | ForEach-Object { Write-Host "Package: $($_.FullName)" }
}

function Invoke-Demo {
    Invoke-Build
    Write-Host '== Demo' -ForegroundColor Cyan
    $env:AWS_EC2_METADATA_DISABLED = 'true'
    $services = Start-TestServices -StateDirectory (Join-Path $Out 'demo-services') -MotoOnly
    try {
        dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File (Join-Path $Root 'demo/Show-Demo.ps1') `
            -ModulePath $ModuleOut -MotoUrl $services.MotoUrl | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "The demo failed (exit code $LASTEXITCODE)." }
    }
    finally {
        Stop-TestServices $services
    }
}

foreach ($t in $Task) { & "Invoke-$t" }
