# Runs the Pester specs in a fresh pwsh and writes the counts as JSON for build.ps1's closing line.
param(
    [Parameter(Mandatory)] [string] $PesterModule,
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $ResultFile
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterModule -Force
$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$result = Invoke-Pester -Configuration $config
# A container that fails in BeforeAll fails its tests, which Pester counts in FailedCount; a broken file counts once.
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
# Only the specs that run AWS's rotation templates (blocks tagged RotationTemplates) may skip, and only without them;
# any other skipped or not-run test is a failure.
function Get-BlockTag($Test) {
    for ($block = $Test.Block; $block; $block = $block.Parent) { $block.Tag }
}
$stray = @(@($result.Skipped) + @($result.NotRun) | Where-Object { $_ -and 'RotationTemplates' -notin @(Get-BlockTag $_) })
foreach ($test in $stray) { Write-Host "Skipped, which only the specs that run AWS's rotation templates may be: $($test.ExpandedPath)" -ForegroundColor Red }
[pscustomobject]@{ Passed = $result.PassedCount; Failed = $failed + $stray.Count; Skipped = $result.SkippedCount + $result.NotRunCount - $stray.Count } |
    ConvertTo-Json | Set-Content $ResultFile
