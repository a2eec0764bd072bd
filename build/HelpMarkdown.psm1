#Requires -Version 7.4
# Reads the help markdown in docs/ (see docs/README.md) and renders it as MAML and about_*.help.txt.
# Markdig is the parser PowerShell 7 itself ships (ConvertFrom-Markdown uses it), so no package is added;
# platyPS, the usual tool for this, is not available here.

Set-StrictMode -Version 3.0

$script:Ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
    MSHelp  = 'http://msdn.microsoft.com/mshelp'
}

$script:StandardDescriptions = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}

$script:KnownCommandSections = @(
    'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS'
)

function Read-HelpMarkdown {
    <#
    .SYNOPSIS
    Splits one markdown file into its title, front matter, and H2 sections with their H3 sub-sections.
    Each section holds typed blocks (Paragraph, List, Code, Quote, Table) in document order.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param([Parameter(Mandatory)][string] $Path)

    $source = (Get-Content -LiteralPath $Path -Raw) -replace "`r`n?", "`n"
    $builder = [Markdig.MarkdownExtensions]::UseYamlFrontMatter([Markdig.MarkdownPipelineBuilder]::new())
    $pipeline = [Markdig.MarkdownExtensions]::UsePipeTables($builder).Build()
    $document = [Markdig.Markdown]::Parse($source, $pipeline)

    $result = [pscustomobject]@{
        Path        = $Path
        Title       = $null
        FrontMatter = [ordered]@{}
        Preamble    = [System.Collections.Generic.List[object]]::new()
        Sections    = [System.Collections.Generic.List[object]]::new()
    }
    $section = $null
    $subsection = $null

    foreach ($block in $document) {
        $raw = $source.Substring($block.Span.Start, $block.Span.Length)
        if ($block -is [Markdig.Extensions.Yaml.YamlFrontMatterBlock]) {
            foreach ($line in $raw -split "`n") {
                if ($line -match '^\s*([\w .-]+?)\s*:\s*(.*?)\s*$') { $result.FrontMatter[$Matches[1]] = $Matches[2] }
            }
            continue
        }
        if ($block -is [Markdig.Syntax.HeadingBlock]) {
            $text = ($raw -split "`n")[0] -replace '^\s*#+\s*', '' -replace '\s*#*\s*$', ''
            switch ($block.Level) {
                1 {
                    if ($null -eq $result.Title) { $result.Title = $text; continue }
                    # A second H1 (about topics written in the older style) behaves like an H2.
                    $section = New-HelpSection $text; $result.Sections.Add($section); $subsection = $null
                }
                2 { $section = New-HelpSection $text; $result.Sections.Add($section); $subsection = $null }
                default {
                    $subsection = [pscustomobject]@{ Title = $text; Level = $block.Level; Blocks = [System.Collections.Generic.List[object]]::new() }
                    if ($null -eq $section) { $section = New-HelpSection ''; $result.Sections.Add($section) }
                    $section.Subsections.Add($subsection)
                }
            }
            continue
        }
        $converted = ConvertTo-HelpBlock -Block $block -Raw $raw
        if ($null -eq $converted) { continue }
        if ($null -ne $subsection) { $subsection.Blocks.Add($converted) }
        elseif ($null -ne $section) { $section.Blocks.Add($converted) }
        else { $result.Preamble.Add($converted) }
    }
    $result
}

function New-HelpSection([string] $Title) {
    [pscustomobject]@{
        Title       = $Title
        Key         = $Title.Trim().ToUpperInvariant()
        Blocks      = [System.Collections.Generic.List[object]]::new()
        Subsections = [System.Collections.Generic.List[object]]::new()
    }
}

function ConvertTo-HelpBlock($Block, [string] $Raw) {
    # An if-chain, not switch: switch would enumerate the children of container blocks (lists, quotes, tables).
    if ($Block -is [Markdig.Syntax.FencedCodeBlock]) {
        return [pscustomobject]@{ Kind = 'Code'; Info = [string]$Block.Info; Text = $Block.Lines.ToString().TrimEnd() }
    }
    if ($Block -is [Markdig.Syntax.CodeBlock]) {
        return [pscustomobject]@{ Kind = 'Code'; Info = ''; Text = $Block.Lines.ToString().TrimEnd() }
    }
    # Get-Help is plain text: a link reads as 'text (address)'.
    $Raw = $Raw -replace '\[([^\]]+)\]\((https?://[^)\s]+)\)', '$1 ($2)'
    if ($Block -is [Markdig.Syntax.ParagraphBlock]) {
        # Soft line breaks inside a markdown paragraph are not line breaks in the rendered text.
        $text = (($Raw -split "`n") | ForEach-Object { $_.Trim() }) -join ' '
        return [pscustomobject]@{ Kind = 'Paragraph'; Info = ''; Text = $text.Trim() }
    }
    if ($Block -is [Markdig.Syntax.ThematicBreakBlock] -or $Block -is [Markdig.Syntax.LinkReferenceDefinitionGroup] -or $Block -is [Markdig.Syntax.BlankLineBlock]) {
        return $null
    }
    # An HTML comment (e.g. the markers of a generated table) is for the source's readers, not for Get-Help.
    if ($Block -is [Markdig.Syntax.HtmlBlock] -and $Block.Type -eq [Markdig.Syntax.HtmlBlockType]::Comment) { return $null }
    # Lists, quotes, tables keep their lines; HTML and anything else too, rather than lose the text.
    $kind = if ($Block -is [Markdig.Syntax.ListBlock]) { 'List' }
    elseif ($Block -is [Markdig.Syntax.QuoteBlock]) { 'Quote' }
    elseif ($Block -is [Markdig.Extensions.Tables.Table]) { 'Table' }
    else { 'Other' }
    $lines = ($Raw -split "`n") | ForEach-Object { $_.TrimEnd() }
    [pscustomobject]@{ Kind = $kind; Info = ''; Text = ($lines -join "`n").Trim("`n") }
}

function Get-BlockText {
    # Plain text of a list of blocks, paragraphs separated by a blank line; code kept verbatim.
    param([object[]] $Blocks, [switch] $ExcludeYaml)
    $parts = foreach ($b in $Blocks) {
        if ($ExcludeYaml -and $b.Kind -eq 'Code' -and $b.Info -match '^\s*yaml\b') { continue }
        $b.Text
    }
    ($parts | Where-Object { $_ }) -join "`n`n"
}

function ConvertTo-CommandHelpDocument {
    <#
    .SYNOPSIS
    Turns a parsed cmdlet markdown file into a help document, and reports what the format requires and is missing.
    Returns @{ Document; Problems }; Problems are plain sentences naming the file.
    #>
    param(
        [Parameter(Mandatory)] $Markdown,
        [Parameter(Mandatory)] [string] $CommandName,
        # Parameters that must be described.
        [Parameter(Mandatory)] [AllowEmptyCollection()] [string[]] $ParameterNames,
        # Parameters that may be described (-WhatIf, -Confirm); standard text is used when they are not.
        [string[]] $OptionalParameterNames = @()
    )
    $problems = [System.Collections.Generic.List[string]]::new()
    $file = Split-Path -Leaf $Markdown.Path
    $sections = @{}
    foreach ($s in $Markdown.Sections) {
        if ($s.Key -notin $script:KnownCommandSections) {
            $problems.Add("$file has an unknown section '## $($s.Title)'; expected one of: $($script:KnownCommandSections -join ', ').")
            continue
        }
        if ($sections.ContainsKey($s.Key)) { $problems.Add("$file has '## $($s.Title)' twice."); continue }
        $sections[$s.Key] = $s
    }
    if ($Markdown.Title -ne $CommandName) {
        $problems.Add("$file starts with '# $($Markdown.Title)'; expected '# $CommandName'.")
    }

    $synopsis = if ($sections['SYNOPSIS']) { Get-BlockText $sections['SYNOPSIS'].Blocks } else { '' }
    if (-not $synopsis) { $problems.Add("$file has no text under '## SYNOPSIS'.") }
    $description = @(if ($sections['DESCRIPTION']) { $sections['DESCRIPTION'].Blocks })
    if (-not (Get-BlockText $description)) { $problems.Add("$file has no text under '## DESCRIPTION'.") }

    $examples = [System.Collections.Generic.List[object]]::new()
    if ($sections['EXAMPLES']) {
        foreach ($ex in $sections['EXAMPLES'].Subsections) {
            $code = @($ex.Blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Text.Trim() })
            if ($code.Count -eq 0) { $problems.Add("$file example '$($ex.Title)' has no code block.") }
            $examples.Add([pscustomobject]@{
                    Title   = $ex.Title
                    Code    = (@($code | ForEach-Object Text) -join "`n`n")
                    Remarks = @($ex.Blocks | Where-Object Kind -ne 'Code')
                })
        }
    }
    if ($examples.Count -lt 2) {
        $problems.Add("$file has $($examples.Count) example(s) under '## EXAMPLES'; at least 2 are required (each '### Example N: title' with a code block).")
    }

    $parameters = [ordered]@{}
    if ($sections['PARAMETERS']) {
        foreach ($p in $sections['PARAMETERS'].Subsections) {
            if ($p.Title -match '^CommonParameters$') { continue }
            if ($p.Title -notmatch '^-(\w+)$') {
                $problems.Add("$file has '### $($p.Title)' under '## PARAMETERS'; parameter headings are '### -Name'.")
                continue
            }
            $name = $Matches[1]
            $canonical = @($ParameterNames) + @($OptionalParameterNames) | Where-Object { $_ -eq $name } | Select-Object -First 1
            if (-not $canonical) {
                $problems.Add("$file documents -$name, which $CommandName does not have.")
                continue
            }
            $parameters[$canonical] = @($p.Blocks | Where-Object { -not ($_.Kind -eq 'Code' -and $_.Info -match '^\s*yaml\b') })
        }
    }
    foreach ($name in $ParameterNames) {
        if (-not $parameters.Contains($name)) { $problems.Add("$file does not document parameter -$name ('### -$name' under '## PARAMETERS').") }
        elseif (-not (Get-BlockText $parameters[$name])) { $problems.Add("$file has no description for parameter -$name.") }
    }
    foreach ($name in $OptionalParameterNames) {
        if (-not ($parameters.Contains($name) -and (Get-BlockText $parameters[$name]))) {
            $parameters[$name] = @([pscustomobject]@{ Kind = 'Paragraph'; Info = ''; Text = $script:StandardDescriptions[$name] })
        }
    }

    $outputs = @(if ($sections['OUTPUTS']) { ConvertTo-TypeEntry $sections['OUTPUTS'] })
    if ($outputs.Count -eq 0) {
        $problems.Add("$file has no '## OUTPUTS' section with at least one '### TypeName' entry.")
    }
    foreach ($entry in $outputs) {
        if (-not (Get-BlockText $entry.Blocks)) { $problems.Add("$file has no description under '### $($entry.TypeName)' in '## OUTPUTS'.") }
    }
    $inputs = if ($sections['INPUTS']) { @(ConvertTo-TypeEntry $sections['INPUTS']) } else { $null }

    $links = [System.Collections.Generic.List[object]]::new()
    if ($Markdown.FrontMatter['online version']) {
        $links.Add([pscustomobject]@{ Text = 'Online Version:'; Uri = $Markdown.FrontMatter['online version'] })
    }
    if ($sections['RELATED LINKS']) {
        foreach ($b in $sections['RELATED LINKS'].Blocks) {
            foreach ($line in $b.Text -split "`n") {
                $line = $line.Trim() -replace '^[-*+]\s+', ''
                if (-not $line) { continue }
                # Absolute links arrive as 'text (address)' (see ConvertTo-HelpBlock); a relative one such as
                # [about_X](about_X) is shown as its text alone, since Get-Help -Online can open only an address.
                if ($line -match '^(.+?) \((https?://[^)\s]+)\)$') { $links.Add([pscustomobject]@{ Text = $Matches[1]; Uri = $Matches[2] }) }
                elseif ($line -match '^\[([^\]]+)\]\(([^)]*)\)$') { $links.Add([pscustomobject]@{ Text = $Matches[1]; Uri = '' }) }
                else { $links.Add([pscustomobject]@{ Text = $line; Uri = '' }) }
            }
        }
    }

    @{
        Problems = $problems
        Document = [pscustomobject]@{
            Synopsis    = $synopsis
            Description = $description
            Examples    = $examples
            Parameters  = $parameters
            Inputs      = $inputs
            Outputs     = $outputs
            Notes       = @(if ($sections['NOTES']) { $sections['NOTES'].Blocks })
            Links       = $links
        }
    }
}

function ConvertTo-TypeEntry($Section) {
    foreach ($entry in $Section.Subsections) {
        [pscustomobject]@{ TypeName = $entry.Title.Trim('`', ' '); Blocks = $entry.Blocks }
    }
}

function Write-MamlParagraphs([System.Xml.XmlWriter] $Writer, [object[]] $Blocks) {
    $any = $false
    foreach ($b in $Blocks) {
        if (-not $b.Text) { continue }
        $Writer.WriteElementString('maml', 'para', $script:Ns.maml, $b.Text)
        $any = $true
    }
    # Get-Help expects a para even when there is nothing to say.
    if (-not $any) { $Writer.WriteElementString('maml', 'para', $script:Ns.maml, '') }
}

function Write-MamlParameter {
    param(
        [System.Xml.XmlWriter] $Writer,
        $Parameter,
        [object[]] $DescriptionBlocks,
        [switch] $InSyntax
    )
    $pipeline = @()
    if ($Parameter.ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
    if ($Parameter.ValueFromPipeline) { $pipeline += 'ByValue' }
    $pipelineText = if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }

    $Writer.WriteStartElement('command', 'parameter', $script:Ns.command)
    $Writer.WriteAttributeString('required', ([string]$Parameter.IsMandatory).ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', ([string]$Parameter.IsArray).ToLowerInvariant())
    $Writer.WriteAttributeString('globbing', ([string]$Parameter.SupportsWildcards).ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', $pipelineText)
    $Writer.WriteAttributeString('position', $Parameter.Position)
    $Writer.WriteAttributeString('aliases', $(if ($Parameter.Aliases) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $Writer.WriteElementString('maml', 'name', $script:Ns.maml, $Parameter.Name)
    $Writer.WriteStartElement('maml', 'description', $script:Ns.maml)
    Write-MamlParagraphs $Writer $DescriptionBlocks
    $Writer.WriteEndElement()
    # A switch shows as '[-Force]' in syntax, so it carries no value element there.
    if (-not ($InSyntax -and $Parameter.IsSwitch)) {
        $Writer.WriteStartElement('command', 'parameterValue', $script:Ns.command)
        $Writer.WriteAttributeString('required', $(if ($Parameter.IsSwitch) { 'false' } else { 'true' }))
        $Writer.WriteAttributeString('variableLength', ([string]$Parameter.IsArray).ToLowerInvariant())
        $Writer.WriteString($Parameter.TypeDisplayName)
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $script:Ns.dev)
    $Writer.WriteElementString('maml', 'name', $script:Ns.maml, $Parameter.TypeFullName)
    $Writer.WriteElementString('maml', 'uri', $script:Ns.maml, '')
    $Writer.WriteEndElement()
    $Writer.WriteElementString('dev', 'defaultValue', $script:Ns.dev, $Parameter.DefaultValue)
    $Writer.WriteEndElement()
}

function Write-MamlTypes([System.Xml.XmlWriter] $Writer, [string] $ListElement, [string] $ItemElement, [object[]] $Entries) {
    $Writer.WriteStartElement('command', $ListElement, $script:Ns.command)
    foreach ($entry in $Entries) {
        $Writer.WriteStartElement('command', $ItemElement, $script:Ns.command)
        $Writer.WriteStartElement('dev', 'type', $script:Ns.dev)
        $Writer.WriteElementString('maml', 'name', $script:Ns.maml, $entry.TypeName)
        $Writer.WriteEndElement()
        $Writer.WriteStartElement('maml', 'description', $script:Ns.maml)
        Write-MamlParagraphs $Writer $entry.Blocks
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-MamlCommand {
    <#
    .SYNOPSIS
    Writes one command:command element from the cmdlet's reflected metadata and its help document.
    #>
    param([System.Xml.XmlWriter] $Writer, $Command, $Document)
    $Writer.WriteStartElement('command', 'command', $script:Ns.command)
    foreach ($prefix in 'maml', 'command', 'dev', 'MSHelp') { $Writer.WriteAttributeString('xmlns', $prefix, $null, $script:Ns[$prefix]) }

    $Writer.WriteStartElement('command', 'details', $script:Ns.command)
    $Writer.WriteElementString('command', 'name', $script:Ns.command, $Command.Name)
    $Writer.WriteElementString('command', 'verb', $script:Ns.command, $Command.Verb)
    $Writer.WriteElementString('command', 'noun', $script:Ns.command, $Command.Noun)
    $Writer.WriteStartElement('maml', 'description', $script:Ns.maml)
    $Writer.WriteElementString('maml', 'para', $script:Ns.maml, $Document.Synopsis)
    $Writer.WriteEndElement()
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('maml', 'description', $script:Ns.maml)
    Write-MamlParagraphs $Writer $Document.Description
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'syntax', $script:Ns.command)
    foreach ($set in $Command.ParameterSets) {
        $Writer.WriteStartElement('command', 'syntaxItem', $script:Ns.command)
        $Writer.WriteElementString('maml', 'name', $script:Ns.maml, $Command.Name)
        foreach ($p in $set.Parameters) {
            Write-MamlParameter -Writer $Writer -Parameter $p -DescriptionBlocks $Document.Parameters[$p.Name] -InSyntax
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'parameters', $script:Ns.command)
    $documented = @($Document.Parameters.Keys)
    $ordered = @($Command.Parameters | Sort-Object { $i = $documented.IndexOf($_.Name); if ($i -lt 0) { [int]::MaxValue } else { $i } })
    foreach ($p in $ordered) {
        Write-MamlParameter -Writer $Writer -Parameter $p -DescriptionBlocks $Document.Parameters[$p.Name]
    }
    $Writer.WriteEndElement()

    Write-MamlTypes $Writer 'inputTypes' 'inputType' $Document.Inputs
    Write-MamlTypes $Writer 'returnValues' 'returnValue' $Document.Outputs

    if ($Document.Notes) {
        $Writer.WriteStartElement('maml', 'alertSet', $script:Ns.maml)
        $Writer.WriteStartElement('maml', 'alert', $script:Ns.maml)
        Write-MamlParagraphs $Writer $Document.Notes
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }

    $Writer.WriteStartElement('command', 'examples', $script:Ns.command)
    foreach ($ex in $Document.Examples) {
        $Writer.WriteStartElement('command', 'example', $script:Ns.command)
        $Writer.WriteElementString('maml', 'title', $script:Ns.maml, "---------- $($ex.Title) ----------")
        $Writer.WriteElementString('dev', 'code', $script:Ns.dev, $ex.Code)
        $Writer.WriteStartElement('dev', 'remarks', $script:Ns.dev)
        Write-MamlParagraphs $Writer $ex.Remarks
        # Get-Help prints remarks and the next example's title on adjacent lines without a trailing empty para.
        $Writer.WriteElementString('maml', 'para', $script:Ns.maml, '')
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('maml', 'relatedLinks', $script:Ns.maml)
    foreach ($link in $Document.Links) {
        $Writer.WriteStartElement('maml', 'navigationLink', $script:Ns.maml)
        $Writer.WriteElementString('maml', 'linkText', $script:Ns.maml, $link.Text)
        $Writer.WriteElementString('maml', 'uri', $script:Ns.maml, $link.Uri)
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteEndElement()
}

function ConvertTo-AboutHelpText {
    <#
    .SYNOPSIS
    Renders a parsed about_*.md as the plain text Get-Help shows for about topics: upper-case section
    headings at the margin, text wrapped at 80 columns and indented by 4, code indented by 8.
    #>
    param([Parameter(Mandatory)] $Markdown)
    $out = [System.Text.StringBuilder]::new()
    $topic = $Markdown.Title
    [void]$out.AppendLine('TOPIC').AppendLine("    $topic").AppendLine()
    foreach ($section in $Markdown.Sections) {
        # platyPS writes the topic name again as the first H2; it is already the TOPIC.
        if ($section.Key -eq $topic.ToUpperInvariant()) { Add-AboutBlocks $out $section.Blocks; continue }
        [void]$out.AppendLine($section.Key)
        Add-AboutBlocks $out $section.Blocks
        foreach ($sub in $section.Subsections) {
            [void]$out.AppendLine("    $($sub.Title)")
            Add-AboutBlocks $out $sub.Blocks
        }
    }
    $out.ToString().TrimEnd() + "`n"
}

function Add-AboutBlocks([System.Text.StringBuilder] $Out, [object[]] $Blocks) {
    foreach ($b in $Blocks) {
        switch ($b.Kind) {
            'Paragraph' { foreach ($line in (Get-WrappedLines $b.Text 76)) { [void]$Out.AppendLine("    $line") } }
            'Code' { foreach ($line in $b.Text -split "`n") { [void]$Out.AppendLine(("        $line").TrimEnd()) } }
            default { foreach ($line in $b.Text -split "`n") { [void]$Out.AppendLine(("    $line").TrimEnd()) } }
        }
        [void]$Out.AppendLine()
    }
}

function Get-WrappedLines([string] $Text, [int] $Width) {
    $line = ''
    foreach ($word in $Text -split '\s+') {
        if (-not $word) { continue }
        if ($line -and ($line.Length + 1 + $word.Length) -gt $Width) { $line; $line = $word }
        elseif ($line) { $line += " $word" }
        else { $line = $word }
    }
    if ($line) { $line }
}

Export-ModuleMember -Function Read-HelpMarkdown, ConvertTo-CommandHelpDocument, Write-MamlCommand, ConvertTo-AboutHelpText
