#Requires -Version 7.4
<#
.SYNOPSIS
Builds MAML cmdlet help and about_*.help.txt topics for a built binary module from the markdown in docs/.

.DESCRIPTION
Imports the built module in a separate pwsh process (so this session never locks or caches the
assembly), reads each exported cmdlet's parameters by reflection (type, mandatory, position, pipeline
input, aliases, wildcards, parameter sets, default values), joins them with the text of
docs/<Cmdlet-Name>.md, and writes one MAML file. Every docs/about_*.md is rendered beside it as
about_*.help.txt. The format is described in docs/README.md.

Fails (terminating error, so `pwsh -File` exits 1) and writes nothing when an exported cmdlet has no
doc file, a parameter other than the common parameters has no description, a doc has fewer than two
examples, no SYNOPSIS, DESCRIPTION or OUTPUTS, or documents a parameter the cmdlet does not have.

.EXAMPLE
pwsh -File build/New-ModuleHelp.ps1 -ModulePath out/RotationTroubleshooter -DocsPath docs -OutputPath out/RotationTroubleshooter/en-US/RotationTroubleshooter.dll-Help.xml
#>
[CmdletBinding()]
param(
    # The built module: its folder (holding <Name>.psd1) or the path of its manifest.
    [Parameter(Mandatory)] [string] $ModulePath,
    # Folder of <Cmdlet-Name>.md and about_*.md files.
    [Parameter(Mandatory)] [string] $DocsPath,
    # The MAML file to write, named after the cmdlet assembly: <Assembly>.dll-Help.xml in <module>/<culture>/.
    [Parameter(Mandatory)] [string] $OutputPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$verbose, $VerbosePreference = $VerbosePreference, 'SilentlyContinue'
Import-Module (Join-Path $PSScriptRoot 'HelpMarkdown.psm1') -Force
$VerbosePreference = $verbose

$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$DocsPath = (Resolve-Path -LiteralPath $DocsPath).ProviderPath
$OutputPath = [System.IO.Path]::GetFullPath($OutputPath, (Get-Location).ProviderPath)

# Runs in a child pwsh (a background job is one): import the module, describe its cmdlets as JSON.
$readMetadata = {
    param([string] $ModulePath)
    $ErrorActionPreference = 'Stop'
    $module = Import-Module -Name $ModulePath -PassThru -Force -DisableNameChecking
    # -WhatIf and -Confirm (the optional common parameters) stay: Get-Help shows them in syntax only if the MAML has them.
    $common = [System.Management.Automation.Cmdlet]::CommonParameters

    function Format-TypeName([type] $Type) {
        if ($Type.IsArray) { return "$(Format-TypeName $Type.GetElementType())[]" }
        if ($Type.IsGenericType) {
            $base = $Type.Name -replace '`\d+$', ''
            return "$base[$((@($Type.GetGenericArguments() | ForEach-Object { Format-TypeName $_ })) -join ', ')]"
        }
        $Type.Name
    }
    function Format-Default($Value) {
        if ($null -eq $Value) { return 'None' }
        if ($Value -is [System.Management.Automation.SwitchParameter]) { return [string]$Value.IsPresent }
        if ($Value -is [string]) { if ($Value) { return $Value } else { return 'None' } }
        if ($Value -is [System.Collections.IEnumerable]) {
            $items = @($Value)
            if ($items.Count -eq 0) { return 'None' }
            return ($items -join ', ')
        }
        [string]$Value
    }

    $cmdlets = @(Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name)
    $result = foreach ($cmd in $cmdlets) {
        # Defaults are whatever a fresh cmdlet object holds; a cmdlet that cannot be constructed has none to show.
        $instance = try { [Activator]::CreateInstance($cmd.ImplementingType) } catch { $null }
        $sets = @($cmd.ParameterSets | Sort-Object -Stable { -not $_.IsDefault })
        [pscustomobject]@{
            Name        = $cmd.Name
            Verb        = $cmd.Verb
            Noun        = $cmd.Noun
            HelpFile    = $cmd.HelpFile
            OutputTypes = @($cmd.OutputType | ForEach-Object { $_.Name })
            ParameterSets = @(foreach ($set in $sets) {
                    $parameters = @($set.Parameters | Where-Object { $_.Name -notin $common })
                    $sorted = $parameters | Sort-Object -Stable `
                        { $_.Position -lt 0 }, { if ($_.Position -lt 0) { 0 } else { $_.Position } }, { -not $_.IsMandatory }
                    [pscustomobject]@{
                        Name       = $set.Name
                        IsDefault  = $set.IsDefault
                        Parameters = @(foreach ($p in $sorted) {
                                $value = if ($null -ne $instance -and -not $p.IsMandatory) { try { $instance.($p.Name) } catch { $null } } else { $null }
                                [pscustomobject]@{
                                    Name                            = $p.Name
                                    TypeDisplayName                 = Format-TypeName $p.ParameterType
                                    TypeFullName                    = $p.ParameterType.FullName
                                    IsArray                         = $p.ParameterType.IsArray
                                    IsSwitch                        = $p.ParameterType -eq [System.Management.Automation.SwitchParameter]
                                    IsMandatory                     = $p.IsMandatory
                                    Position                        = if ($p.Position -lt 0) { 'named' } else { [string]$p.Position }
                                    ValueFromPipeline               = $p.ValueFromPipeline
                                    ValueFromPipelineByPropertyName = $p.ValueFromPipelineByPropertyName
                                    Aliases                         = @($p.Aliases)
                                    SupportsWildcards               = [bool]($cmd.Parameters[$p.Name].Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
                                    DefaultValue                    = if ($p.IsMandatory) { 'None' } else { Format-Default $value }
                                }
                            })
                    }
                })
        }
    }
    ConvertTo-Json -InputObject @($result) -Depth 8 -Compress
}

$job = Start-Job -ScriptBlock $readMetadata -ArgumentList $ModulePath
try {
    $json = $job | Wait-Job -Timeout 300 | Receive-Job -ErrorAction Stop
    if ($job.State -ne 'Completed') { throw "Reading cmdlet metadata from '$ModulePath' did not finish (job state $($job.State))." }
}
catch {
    throw "Could not import '$ModulePath' to read its cmdlets: $($_.Exception.Message)"
}
finally {
    $job | Remove-Job -Force
}
$commands = @($json | ConvertFrom-Json)
if ($commands.Count -eq 0) { throw "Module '$ModulePath' exports no cmdlets; nothing to document." }

# The per-command parameter list: one entry per parameter across all its sets. Mandatory only when mandatory
# in every set it belongs to; pipeline input is the union; position as in the first (default-first) set.
foreach ($command in $commands) {
    $merged = [ordered]@{}
    foreach ($set in $command.ParameterSets) {
        foreach ($p in $set.Parameters) {
            if (-not $merged.Contains($p.Name)) { $merged[$p.Name] = $p.PSObject.Copy(); continue }
            $m = $merged[$p.Name]
            $m.IsMandatory = $m.IsMandatory -and $p.IsMandatory
            $m.ValueFromPipeline = $m.ValueFromPipeline -or $p.ValueFromPipeline
            $m.ValueFromPipelineByPropertyName = $m.ValueFromPipelineByPropertyName -or $p.ValueFromPipelineByPropertyName
        }
    }
    $command | Add-Member -NotePropertyName Parameters -NotePropertyValue @($merged.Values)
}

$problems = [System.Collections.Generic.List[string]]::new()
$expectedHelpFile = @($commands.HelpFile | Where-Object { $_ } | Sort-Object -Unique)
if ($expectedHelpFile.Count -gt 0 -and (Split-Path -Leaf $OutputPath) -notin $expectedHelpFile) {
    $problems.Add("Output file is named '$(Split-Path -Leaf $OutputPath)', but PowerShell looks for the cmdlets' help in '$($expectedHelpFile -join "', '")'.")
}

$documents = [ordered]@{}
foreach ($command in $commands) {
    $docFile = Join-Path $DocsPath "$($command.Name).md"
    if (-not (Test-Path -LiteralPath $docFile)) {
        $problems.Add("$($command.Name) has no doc file: expected '$docFile'.")
        continue
    }
    $markdown = Read-HelpMarkdown -Path $docFile
    $optional = @(($command.Parameters | ForEach-Object Name) | Where-Object { $_ -in [System.Management.Automation.Cmdlet]::OptionalCommonParameters })
    $required = @(($command.Parameters | ForEach-Object Name) | Where-Object { $_ -notin $optional })
    $converted = ConvertTo-CommandHelpDocument -Markdown $markdown -CommandName $command.Name -ParameterNames $required -OptionalParameterNames $optional
    $problems.AddRange([string[]]@($converted.Problems))
    $document = $converted.Document
    if ($null -eq $document.Inputs) {
        # No INPUTS section: list what the pipeline actually binds.
        $pipelineTypes = @($command.Parameters | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName } | Group-Object TypeFullName)
        $document.Inputs = if ($pipelineTypes) {
            @($pipelineTypes | ForEach-Object {
                    $sentences = foreach ($p in $_.Group) {
                        $how = @(if ($p.ValueFromPipeline) { 'by value' }; if ($p.ValueFromPipelineByPropertyName) { 'by property name' }) -join ' and '
                        "-$($p.Name) takes this type from the pipeline $how."
                    }
                    [pscustomobject]@{ TypeName = $_.Name; Blocks = @([pscustomobject]@{ Kind = 'Paragraph'; Text = $sentences -join ' ' }) }
                })
        }
        else { @([pscustomobject]@{ TypeName = 'None'; Blocks = @([pscustomobject]@{ Kind = 'Paragraph'; Text = 'This cmdlet does not accept pipeline input.' }) }) }
    }
    foreach ($outputType in $command.OutputTypes) {
        $short = ($outputType -split '\.')[-1]
        if (-not ($document.Outputs | Where-Object { $_.TypeName -eq $outputType -or $_.TypeName -eq $short })) {
            Write-Warning "$($command.Name) declares [OutputType($outputType)] but docs/$($command.Name).md does not list it under '## OUTPUTS'."
        }
    }
    $documents[$command.Name] = $document
}

foreach ($extra in Get-ChildItem -LiteralPath $DocsPath -Filter '*-*.md') {
    if ($extra.BaseName -notin ($commands | ForEach-Object Name)) { Write-Warning "$($extra.Name) documents no exported cmdlet of this module." }
}

$aboutTopics = foreach ($aboutFile in Get-ChildItem -LiteralPath $DocsPath -Filter 'about_*.md') {
    $markdown = Read-HelpMarkdown -Path $aboutFile.FullName
    if ($markdown.Title -ne $aboutFile.BaseName) { $problems.Add("$($aboutFile.Name) starts with '# $($markdown.Title)'; expected '# $($aboutFile.BaseName)'.") }
    if (-not ($markdown.Sections | Where-Object Key -eq 'SHORT DESCRIPTION')) { $problems.Add("$($aboutFile.Name) has no '## SHORT DESCRIPTION' section.") }
    if (-not ($markdown.Sections | Where-Object Key -eq 'LONG DESCRIPTION')) { $problems.Add("$($aboutFile.Name) has no '## LONG DESCRIPTION' section.") }
    [pscustomobject]@{ Name = $aboutFile.BaseName; Text = ConvertTo-AboutHelpText -Markdown $markdown }
}

if ($problems.Count -gt 0) {
    throw "Module help was not built; fix these in '$DocsPath':`n  - " + ($problems -join "`n  - ")
}

$outputFolder = Split-Path -Parent $OutputPath
$null = New-Item -ItemType Directory -Force -Path $outputFolder
$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
# Written aside and moved into place, so a failure never leaves a half-written help file behind.
$partialPath = "$OutputPath.partial"
$writer = [System.Xml.XmlWriter]::Create($partialPath, $settings)
$written = $false
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($command in $commands) { Write-MamlCommand -Writer $writer -Command $command -Document $documents[$command.Name] }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
    $written = $true
}
finally {
    $writer.Dispose()
    if (-not $written) { Remove-Item -LiteralPath $partialPath -ErrorAction Ignore }
}
Move-Item -LiteralPath $partialPath -Destination $OutputPath -Force
foreach ($topic in $aboutTopics) {
    [System.IO.File]::WriteAllText((Join-Path $outputFolder "$($topic.Name).help.txt"), $topic.Text, [System.Text.UTF8Encoding]::new($false))
}
Write-Verbose "Wrote help for $($commands.Count) cmdlet(s) to '$OutputPath' and $(@($aboutTopics).Count) about topic(s) to '$outputFolder'."
