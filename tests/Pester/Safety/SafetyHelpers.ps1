# Shared by the safety suites; dot-sourced (not a module) so that the cases' scriptblocks see the preferences set here.

<# Runs one case as a cautious admin would: -Verbose -Debug, errors on, every stream merged. #>
function Invoke-SafetyCase($Case, $Seed) {
    if (-not $env:AWS_ENDPOINT_URL) { throw 'The safety cases run against moto or a proxy only: set AWS_ENDPOINT_URL first.' }
    $ErrorActionPreference = 'Continue'
    $PSDefaultParameterValues = @{ "$($Case.Cmdlet):Verbose" = $true; "$($Case.Cmdlet):Debug" = $true; "$($Case.Cmdlet):ErrorAction" = 'Continue' }
    $terminating = $null
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $records = @(try { & $Case.Script $Seed *>&1 } catch { $terminating = $_ })
    $watch.Stop()
    $streamTypes = [Management.Automation.ErrorRecord], [Management.Automation.InformationalRecord], [Management.Automation.InformationRecord]
    [pscustomobject]@{
        Records = $records
        Results = @($records | Where-Object { $r = $_; -not ($streamTypes | Where-Object { $r -is $_ }) })
        Errors = @($records | Where-Object { $_ -is [Management.Automation.ErrorRecord] })
        Terminating = $terminating
        Elapsed = $watch.Elapsed
    }
}

<# All an error can carry: its text, details, target, category, and every exception under it with its properties. #>
function Get-ErrorText($Item) {
    $parts = [Collections.Generic.List[string]]::new()
    $exception = $Item
    if ($Item -is [Management.Automation.ErrorRecord]) {
        $parts.Add($Item.ToString()); $parts.Add($Item.FullyQualifiedErrorId); $parts.Add($Item.CategoryInfo.ToString())
        if ($Item.ErrorDetails) { $parts.Add($Item.ErrorDetails.Message); $parts.Add($Item.ErrorDetails.RecommendedAction) }
        $parts.Add([string]$Item.TargetObject)
        $parts.Add(($Item.TargetObject | ConvertTo-Json -Depth 10 -Compress -WarningAction SilentlyContinue))
        $exception = $Item.Exception
    }
    for ($e = $exception; $e; $e = $e.InnerException) {
        $parts.Add($e.ToString())
        $parts.Add(($e | Select-Object * -ExcludeProperty TargetSite, StackTrace, InnerException | Format-List | Out-String -Width 4096))
        foreach ($key in $e.Data.Keys) { $parts.Add("$key=$($e.Data[$key])") }
        if ($e -is [AggregateException]) { foreach ($inner in $e.InnerExceptions) { $parts.Add((Get-ErrorText $inner)) } }
    }
    $parts -join "`n"
}

<# The text of everything a case produced, as a user could see or save it. #>
function Get-CaseText($Run) {
    $nested = @($Run.Results | ForEach-Object { $_.PSObject.Properties } |
        Where-Object { $_.Value -is [Collections.IEnumerable] -and $_.Value -isnot [string] } | ForEach-Object { $_.Value })
    @(
        $Run.Records | Out-String -Width 4096
        $Run.Records | Where-Object { $_ -is [Management.Automation.InformationalRecord] } | ForEach-Object Message
        $Run.Errors | ForEach-Object { Get-ErrorText $_ }
        if ($Run.Terminating) { Get-ErrorText $Run.Terminating }
        $Run.Results | Format-List * | Out-String -Width 4096
        $nested | Format-List * | Out-String -Width 4096
    ) -join "`n"
}

function Get-SeenAction($Records) {
    $Records | ForEach-Object {
        # One IAM action covers both ways of reading a layer version.
        $operation = if ($_.operation -eq 'GetLayerVersionByArn') { 'GetLayerVersion' } else { $_.operation }
        "$($_.service):$operation"
    } | Sort-Object -Unique
}

