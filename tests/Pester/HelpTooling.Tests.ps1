#Requires -Version 7.4
# build/New-ModuleHelp.ps1 and build/Test-ModuleHelp.ps1 against small binary modules compiled here
# (Add-Type writes the assembly), so the tooling is proven without the real module being built.

BeforeAll {
    $script:NewModuleHelp = Join-Path $PSScriptRoot '../../build/New-ModuleHelp.ps1'
    $script:TestModuleHelp = Join-Path $PSScriptRoot '../../build/Test-ModuleHelp.ps1'

    function New-BinaryModule([string] $Name, [string] $Source, [string[]] $Cmdlets) {
        $folder = Join-Path $TestDrive $Name
        $null = New-Item -ItemType Directory -Force -Path $folder
        Add-Type -TypeDefinition $Source -OutputAssembly (Join-Path $folder "$Name.dll") -OutputType Library
        New-ModuleManifest -Path (Join-Path $folder "$Name.psd1") -RootModule "$Name.dll" -ModuleVersion 1.0.0 `
            -CmdletsToExport $Cmdlets -FunctionsToExport @() -AliasesToExport @() -VariablesToExport @()
        $folder
    }

    $script:ModuleFolder = New-BinaryModule -Name HelpToolWidgets -Cmdlets Get-ToolWidget, Clear-ToolWidgetCache -Source @'
using System.Management.Automation;
namespace HelpToolWidgets {
    public sealed class ToolWidget { public string Name { get; set; } }

    [Cmdlet(VerbsCommon.Get, "ToolWidget", DefaultParameterSetName = "ByName", SupportsShouldProcess = true)]
    [OutputType(typeof(ToolWidget))]
    public sealed class GetToolWidgetCommand : PSCmdlet {
        [Parameter(ParameterSetName = "ByName", Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("WidgetName")]
        public string[] Name { get; set; }

        [Parameter(ParameterSetName = "ById", Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("WidgetId", "WId")]
        public int Id { get; set; }

        [Parameter]
        public string Region { get; set; } = "us-east-1";

        [Parameter(ParameterSetName = "ByName")]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord() { WriteObject(new ToolWidget { Name = "x" }); }
    }

    [Cmdlet(VerbsCommon.Clear, "ToolWidgetCache")]
    public sealed class ClearToolWidgetCacheCommand : PSCmdlet { }
}
'@

    $script:GoodDocs = Join-Path $TestDrive 'docs'
    $null = New-Item -ItemType Directory -Path $script:GoodDocs
    Set-Content -LiteralPath (Join-Path $script:GoodDocs 'Get-ToolWidget.md') -Value @'
---
online version: https://example.invalid/Get-ToolWidget
---

# Get-ToolWidget

## SYNOPSIS
Gets tool widgets.

## SYNTAX
Generated from the cmdlet at build time.

## DESCRIPTION
Returns one widget for each name or id,
written across two source lines. See [the guide](https://example.invalid/guide).

- by name
- by id

## EXAMPLES

### Example 1: By name
```powershell
Get-ToolWidget -Name alpha
```

Gets the widget named alpha.

### Example 2: From the pipeline
```powershell
'alpha', 'beta' | Get-ToolWidget
```

Names bind by value.

## PARAMETERS

### -Name
Names of the widgets.

### -Id
Numeric id of the widget.

```yaml
Type: Int32
```

### -Region
Region to look in.

### -Force
Includes hidden widgets.

## OUTPUTS

### HelpToolWidgets.ToolWidget
One per widget.

## NOTES
Nothing real.

## RELATED LINKS
- [about_HelpToolWidgets](about_HelpToolWidgets)
- [Widget guide](https://example.invalid/guide)
'@
    Set-Content -LiteralPath (Join-Path $script:GoodDocs 'Clear-ToolWidgetCache.md') -Value @'
# Clear-ToolWidgetCache

## SYNOPSIS
Clears the widget cache.

## DESCRIPTION
Takes no parameters.

## EXAMPLES

### Example 1: Clear
```powershell
Clear-ToolWidgetCache
```

### Example 2: Clear verbosely
```powershell
Clear-ToolWidgetCache -Verbose
```

## OUTPUTS

### None
Writes nothing.
'@
    Set-Content -LiteralPath (Join-Path $script:GoodDocs 'about_HelpToolWidgets.md') -Value @'
# about_HelpToolWidgets

## SHORT DESCRIPTION
Widgets for testing the help tooling.

## LONG DESCRIPTION
A long description paragraph that is deliberately written to be longer than eighty characters so it wraps.
'@

    function Copy-Docs([string] $Name) {
        $target = Join-Path $TestDrive $Name
        Copy-Item -LiteralPath $script:GoodDocs -Destination $target -Recurse
        $target
    }
}

Describe 'New-ModuleHelp with complete docs' {
    BeforeAll {
        $script:HelpPath = Join-Path $script:ModuleFolder 'en-US/HelpToolWidgets.dll-Help.xml'
        & $script:NewModuleHelp -ModulePath $script:ModuleFolder -DocsPath $script:GoodDocs -OutputPath $script:HelpPath
        Import-Module $script:ModuleFolder -Force
        $script:Help = Get-Help Get-ToolWidget -Full
        $script:FullText = Get-Help Get-ToolWidget -Full | Out-String -Width 200
    }

    It 'writes MAML that Get-Help reads: synopsis, one-paragraph description, notes' {
        $Help.Synopsis | Should -Be 'Gets tool widgets.'
        $Help.description[0].Text.Trim() | Should -Be 'Returns one widget for each name or id, written across two source lines. See the guide (https://example.invalid/guide).'
        $Help.description[1].Text.Trim() | Should -Be "- by name`n- by id"
        $FullText | Should -Match 'Nothing real\.'
    }

    It 'builds one syntax line per parameter set from the compiled cmdlet' {
        $FullText | Should -Match 'Get-ToolWidget \[-Name\] <String\[\]> \[-Region <String>\] \[-Force\]'
        $FullText | Should -Match 'Get-ToolWidget -Id <Int32> \[-Region <String>\]'
    }

    It 'lists -WhatIf and -Confirm with standard text when the docs leave them out' {
        $FullText | Should -Match 'Get-ToolWidget -Id <Int32> \[-Region <String>\] \[-WhatIf\] \[-Confirm\]'
        Get-Help Get-ToolWidget -Parameter WhatIf | Out-String | Should -Match 'Shows what would happen if the cmdlet runs\.'
    }

    It 'shows pipeline input, aliases, position and default value of a parameter' {
        $text = Get-Help Get-ToolWidget -Parameter Name | Out-String
        $text | Should -Match 'Names of the widgets\.'
        $text | Should -Match 'Accept pipeline input\?\s+True \(ByPropertyName, ByValue\)'
        $text | Should -Match 'Aliases\s+WidgetName'
        $text | Should -Match 'Position\?\s+0'
        Get-Help Get-ToolWidget -Parameter Id | Out-String | Should -Match 'Aliases\s+WidgetId, WId'
        Get-Help Get-ToolWidget -Parameter Region | Out-String | Should -Match 'Default value\s+us-east-1'
    }

    It 'keeps the yaml block of a platyPS parameter out of its description' {
        Get-Help Get-ToolWidget -Parameter Id | Out-String | Should -Not -Match 'Type: Int32'
    }

    It 'shows both examples with code and remarks' {
        $examples = @((Get-Help Get-ToolWidget -Examples).examples.example)
        $examples.Count | Should -Be 2
        $examples[1].code | Should -Be "'alpha', 'beta' | Get-ToolWidget"
        ($examples[1].remarks.Text -join '') | Should -Match 'Names bind by value\.'
        $examples[0].title | Should -Match 'Example 1: By name'
    }

    It 'lists outputs, generated inputs and related links' {
        $Help.returnValues.returnValue.type.name | Should -Be 'HelpToolWidgets.ToolWidget'
        @($Help.inputTypes.inputType.type.name) | Should -Contain 'System.String[]'
        @($Help.relatedLinks.navigationLink.uri) | Should -Contain 'https://example.invalid/Get-ToolWidget'
        @($Help.relatedLinks.navigationLink.linkText) | Should -Contain 'about_HelpToolWidgets'
        ($Help.relatedLinks.navigationLink | Where-Object linkText -eq 'Widget guide').uri | Should -Be 'https://example.invalid/guide'
    }

    It 'renders the about topic so Get-Help finds it with its short description' {
        $about = Get-Help about_HelpToolWidgets -Category HelpFile
        $about.Synopsis | Should -Be 'Widgets for testing the help tooling.'
        $text = Get-Content -LiteralPath (Join-Path $script:ModuleFolder 'en-US/about_HelpToolWidgets.help.txt')
        $text | Should -Contain 'LONG DESCRIPTION'
        $text | Should -Contain '    A long description paragraph that is deliberately written to be longer than'
        @($text | Where-Object Length -gt 80) | Should -BeNullOrEmpty
    }

    It 'passes every Test-ModuleHelp check' {
        $results = @(& $script:TestModuleHelp -ModulePath $script:ModuleFolder -AboutTopic about_HelpToolWidgets)
        # Get-ToolWidget: 4 + 4 parameters; Clear-ToolWidgetCache: 4 and no parameters; the about topic.
        $results.Count | Should -Be 13
        @($results | Where-Object { -not $_.Passed }) | Should -BeNullOrEmpty
    }
}

Describe 'New-ModuleHelp refuses incomplete docs' {
    It 'fails when <Case>' -ForEach @(
        @{ Case = 'a cmdlet has no doc file'; Expected = 'Get-ToolWidget has no doc file'
            Change = { param($docs) Remove-Item (Join-Path $docs 'Get-ToolWidget.md') } }
        @{ Case = 'a parameter has no description'; Expected = 'no description for parameter -Region'
            Change = { param($docs) $f = Join-Path $docs 'Get-ToolWidget.md'; (Get-Content $f -Raw) -replace 'Region to look in\.', '' | Set-Content $f } }
        @{ Case = 'a parameter has no heading'; Expected = 'does not document parameter -Force'
            Change = { param($docs) $f = Join-Path $docs 'Get-ToolWidget.md'; (Get-Content $f -Raw) -replace '### -Force\s+Includes hidden widgets\.', '' | Set-Content $f } }
        @{ Case = 'an example has no code block'; Expected = "example 'Example 2: From the pipeline' has no code block"
            Change = { param($docs) $f = Join-Path $docs 'Get-ToolWidget.md'; (Get-Content $f -Raw) -replace "'alpha', 'beta' \| Get-ToolWidget", '' -replace '(?s)(### Example 2.*?)```powershell\s*```', '$1' | Set-Content $f } }
        @{ Case = 'there is only one example'; Expected = 'has 1 example\(s\)'
            Change = { param($docs) $f = Join-Path $docs 'Get-ToolWidget.md'; (Get-Content $f -Raw) -replace '(?s)### Example 2.*?Names bind by value\.', '' | Set-Content $f } }
        @{ Case = 'there is no OUTPUTS section'; Expected = "no '## OUTPUTS' section"
            Change = { param($docs) $f = Join-Path $docs 'Get-ToolWidget.md'; (Get-Content $f -Raw) -replace '(?s)## OUTPUTS.*?One per widget\.', '' | Set-Content $f } }
        @{ Case = 'an output type has no description'; Expected = "no description under '### HelpToolWidgets.ToolWidget' in '## OUTPUTS'"
            Change = { param($docs) $f = Join-Path $docs 'Get-ToolWidget.md'; (Get-Content $f -Raw) -replace 'One per widget\.', '' | Set-Content $f } }
        @{ Case = 'a documented parameter does not exist'; Expected = 'documents -Colour, which Get-ToolWidget does not have'
            Change = { param($docs) $f = Join-Path $docs 'Get-ToolWidget.md'; (Get-Content $f -Raw) -replace '## OUTPUTS', "### -Colour`nA colour.`n`n## OUTPUTS" | Set-Content $f } }
        @{ Case = 'a section name is misspelt'; Expected = "unknown section '## EXAMPLE'"
            Change = { param($docs) $f = Join-Path $docs 'Get-ToolWidget.md'; (Get-Content $f -Raw) -replace '## NOTES', '## EXAMPLE' | Set-Content $f } }
    ) {
        $docs = Copy-Docs "docs-$([guid]::NewGuid())"
        & $Change $docs
        $output = Join-Path $TestDrive "out-$([guid]::NewGuid())/HelpToolWidgets.dll-Help.xml"
        { & $script:NewModuleHelp -ModulePath $script:ModuleFolder -DocsPath $docs -OutputPath $output } | Should -Throw -ExpectedMessage "*$($Expected -replace '\\', '')*"
        Test-Path -LiteralPath $output | Should -BeFalse
    }

    It 'exits non-zero from pwsh -File and names the problem' {
        $docs = Copy-Docs 'docs-exitcode'
        Remove-Item (Join-Path $docs 'Get-ToolWidget.md')
        $pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
        $text = & $pwsh -NoProfile -NonInteractive -File $script:NewModuleHelp -ModulePath $script:ModuleFolder -DocsPath $docs `
            -OutputPath (Join-Path $TestDrive 'out-exitcode/HelpToolWidgets.dll-Help.xml') 2>&1 | Out-String
        $LASTEXITCODE | Should -Not -Be 0
        $text | Should -Match 'Get-ToolWidget has no doc file'
    }

    It 'fails when the output file is not named after the cmdlet assembly' {
        { & $script:NewModuleHelp -ModulePath $script:ModuleFolder -DocsPath $script:GoodDocs -OutputPath (Join-Path $TestDrive 'out-name/Wrong-Help.xml') } |
            Should -Throw -ExpectedMessage '*PowerShell looks for the cmdlets'' help in ''HelpToolWidgets.dll-Help.xml''*'
    }
}

Describe 'Test-ModuleHelp on a module without help' {
    BeforeAll {
        $script:Undocumented = New-BinaryModule -Name UndocumentedWidgets -Cmdlets Get-UndocumentedWidget -Source @'
using System.Management.Automation;
namespace UndocumentedWidgets {
    [Cmdlet(VerbsCommon.Get, "UndocumentedWidget")]
    public sealed class GetUndocumentedWidgetCommand : PSCmdlet {
        [Parameter(Position = 0)] public string Name { get; set; }
        protected override void ProcessRecord() { }
    }
}
'@
    }

    It 'reports every check as failed' {
        $results = @(& $script:TestModuleHelp -ModulePath $script:Undocumented)
        $results.Check | Should -Be @('Synopsis', 'Description', 'Examples', 'Outputs', 'Parameter:Name')
        @($results | Where-Object Passed) | Should -BeNullOrEmpty
    }

    It 'throws with -FailOnProblem, naming the failed checks' {
        { & $script:TestModuleHelp -ModulePath $script:Undocumented -FailOnProblem } |
            Should -Throw -ExpectedMessage '*Get-UndocumentedWidget Examples*'
    }
}
