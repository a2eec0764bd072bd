#Requires -Version 7.4
<#
.SYNOPSIS
Checks, through Get-Help, that every exported cmdlet of a built module has complete help.

.DESCRIPTION
Imports the module into this session and, for each exported cmdlet (or the ones named by -CommandName),
emits one result per check: Synopsis, Description, Examples (at least two, each with code), Outputs,
and Parameter:<Name> for every parameter other than the common parameters. With -AboutTopic it also
checks that Get-Help finds that about topic. A Pester spec asserts on the results; a build calls it
with -FailOnProblem, which throws (so `pwsh -File` exits 1) listing every failed check.

.EXAMPLE
& build/Test-ModuleHelp.ps1 -ModulePath out/RotationTroubleshooter | Where-Object { -not $_.Passed }
#>
[CmdletBinding()]
[OutputType([pscustomobject])]
param(
    # The built module: its folder (holding <Name>.psd1) or the path of its manifest.
    [Parameter(Mandatory)] [string] $ModulePath,
    # Only these cmdlets; all exported cmdlets when omitted.
    [string[]] $CommandName,
    # An about topic that must exist, e.g. about_RotationTroubleshooter.
    [string] $AboutTopic,
    [switch] $FailOnProblem
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

# No -Force: a module already imported from this path is reused rather than reloaded for every call.
$module = Import-Module -Name $ModulePath -PassThru -DisableNameChecking
$common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters

function New-Result([string] $Command, [string] $Check, [bool] $Passed, [string] $Message) {
    [pscustomobject]@{ Command = $Command; Check = $Check; Passed = $Passed; Message = $Message }
}
function Get-HelpValue($Node, [string[]] $Path) {
    # Help objects differ by source (MAML or generated when there is none); absent nodes read as $null.
    foreach ($name in $Path) {
        if ($null -eq $Node) { return $null }
        $property = $Node.PSObject.Properties[$name]
        $Node = if ($property) { $property.Value } else { $null }
    }
    $Node
}
function Get-Text($Node) {
    # Help text nodes are arrays of objects with a Text property; join them to one string.
    (@($Node) | ForEach-Object { if ($_ -is [string]) { $_ } elseif ($null -ne $_) { Get-HelpValue $_ 'Text' } }) -join "`n"
}

$commands = @(Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name)
if ($CommandName) {
    $missing = $CommandName | Where-Object { $_ -notin ($commands | ForEach-Object Name) }
    if ($missing) { throw "Module '$($module.Name)' exports no cmdlet named $($missing -join ', ')." }
    $commands = @($commands | Where-Object Name -in $CommandName)
}

$results = foreach ($command in $commands) {
    $name = $command.Name
    $help = Get-Help -Name $name -Full
    # Without a help file Get-Help makes up a synopsis from the syntax, which starts with the command's name.
    $synopsis = ([string]$help.Synopsis).Trim()
    New-Result $name 'Synopsis' ([bool]$synopsis -and $synopsis -notmatch "^$([regex]::Escape($name))(\s|$)") "Synopsis is '$synopsis'."

    $description = ([string](Get-Text (Get-HelpValue $help 'description'))).Trim()
    New-Result $name 'Description' ([bool]$description) $(if ($description) { 'Has a description.' } else { 'No description.' })

    $examples = @(Get-HelpValue $help 'examples', 'example' | Where-Object { $_ })
    $withCode = @($examples | Where-Object { ([string](Get-HelpValue $_ 'code')).Trim() })
    New-Result $name 'Examples' ($withCode.Count -ge 2) "$($examples.Count) example(s), $($withCode.Count) with code; at least 2 with code are required."

    # Help generated without a file lists [OutputType] types with no description, so a description is required.
    $outputs = @(Get-HelpValue $help 'returnValues', 'returnValue' | Where-Object { $_ })
    $described = @($outputs | Where-Object { ([string](Get-HelpValue $_ 'type', 'name')).Trim() -and ([string](Get-Text (Get-HelpValue $_ 'description'))).Trim() })
    New-Result $name 'Outputs' ($outputs.Count -gt 0 -and $described.Count -eq $outputs.Count) $(
        if ($outputs) { "$($outputs.Count) output type(s), $($described.Count) with a type name and description." } else { 'No OUTPUTS.' })

    $helpParameters = @(Get-HelpValue $help 'parameters', 'parameter' | Where-Object { $_ })
    foreach ($parameterName in $command.Parameters.Keys | Where-Object { $_ -notin $common }) {
        $entry = $helpParameters | Where-Object { $_.name -eq $parameterName } | Select-Object -First 1
        $text = if ($entry) { ([string](Get-Text (Get-HelpValue $entry 'description'))).Trim() } else { '' }
        $message = if (-not $entry) { "Get-Help lists no -$parameterName." } elseif (-not $text) { "-$parameterName has no description." } else { "-$parameterName is described." }
        New-Result $name "Parameter:$parameterName" ([bool]$text) $message
    }
}
if ($AboutTopic) {
    $about = Get-Help -Name $AboutTopic -Category HelpFile -ErrorAction SilentlyContinue | Where-Object Name -eq $AboutTopic
    $synopsis = if ($about) { ([string]$about.Synopsis).Trim() } else { '' }
    $results = @($results) + (New-Result $module.Name "About:$AboutTopic" ([bool]$about -and [bool]$synopsis) $(
            if (-not $about) { "Get-Help finds no $AboutTopic." } elseif (-not $synopsis) { "$AboutTopic has no SHORT DESCRIPTION." } else { "$AboutTopic found." }))
}

if ($FailOnProblem) {
    $failed = @($results | Where-Object { -not $_.Passed })
    if ($failed) { throw "Help is incomplete:`n  - " + (($failed | ForEach-Object { "$($_.Command) $($_.Check): $($_.Message)" }) -join "`n  - ") }
}
$results
