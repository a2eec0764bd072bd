<#
.SYNOPSIS
    Developer loop: runs one or more Pester spec files against the built module with moto (and, with -Databases,
    PostgreSQL and MariaDB) started and stopped around them. Build first: dotnet pwsh ./build.ps1 Build
.EXAMPLE
    dotnet pwsh tests/Invoke-Spec.ps1 tests/Pester/GetRotationFunctionAge.Tests.ps1
#>
param(
    [Parameter(Mandatory)] [string[]] $Path,
    [switch] $Databases
)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path (Join-Path $PSScriptRoot '..')
Import-Module (Join-Path $root 'tests/TestServices.psm1') -Global
dotnet restore (Join-Path $root 'build/tools.proj') -v q --nologo | Out-Null
$cache = ((dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
$env:RT_MODULE_PATH = Join-Path $root 'out/RotationTroubleshooter'
$env:AWS_EC2_METADATA_DISABLED = 'true'
if ($Databases) {
    bash (Join-Path $root 'tests/harness/install-drivers.sh')
    if ($LASTEXITCODE -ne 0) { throw 'Installing the rotation template drivers failed.' }
}
$state = Start-TestServices -StateDirectory (Join-Path ([IO.Path]::GetTempPath()) "rt-spec-$PID") -MotoOnly:(-not $Databases)
try {
    Import-Module (Join-Path $cache 'pester/5.7.1/tools/Pester.psd1')
    Invoke-Pester -Path $Path -Output Detailed
}
finally { Stop-TestServices $state }
