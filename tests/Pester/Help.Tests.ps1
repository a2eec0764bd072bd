#Requires -Version 7.4
# Every exported cmdlet of the built RotationTroubleshooter module has complete help, as Get-Help shows it.
# Run with $env:RT_MODULE_PATH set to the built module folder (out/RotationTroubleshooter).

BeforeDiscovery {
    if (-not $env:RT_MODULE_PATH) { throw 'Set $env:RT_MODULE_PATH to the built RotationTroubleshooter module folder.' }
    $module = Import-Module -Name $env:RT_MODULE_PATH -PassThru -Force
    $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    $cmdlets = @(Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name | ForEach-Object {
            @{ Name = $_.Name; Parameters = @($_.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object) }
        })
}

BeforeAll {
    $script:TestModuleHelp = Join-Path $PSScriptRoot '../../build/Test-ModuleHelp.ps1'
    $script:ModuleName = (Import-Module -Name $env:RT_MODULE_PATH -PassThru -Force).Name
}

Describe 'RotationTroubleshooter module help' {
    It 'exports at least one cmdlet' {
        @(Get-Command -Module $script:ModuleName -CommandType Cmdlet).Count | Should -BeGreaterThan 0
    }

    It 'has the about_RotationTroubleshooter topic with a short description' {
        $result = & $script:TestModuleHelp -ModulePath $env:RT_MODULE_PATH -CommandName @() -AboutTopic about_RotationTroubleshooter |
            Where-Object Check -eq 'About:about_RotationTroubleshooter'
        $result | Should -Not -BeNullOrEmpty
        $result.Passed | Should -BeTrue -Because $result.Message
    }
}

Describe 'Help for <Name>' -ForEach $cmdlets {
    BeforeAll {
        $script:results = @(& $script:TestModuleHelp -ModulePath $env:RT_MODULE_PATH -CommandName $Name)
        function Assert-HelpCheck([string] $Check) {
            $result = $script:results | Where-Object Check -eq $Check
            $result | Should -Not -BeNullOrEmpty -Because "Test-ModuleHelp must report the '$Check' check"
            $result.Passed | Should -BeTrue -Because $result.Message
        }
    }

    It 'has a synopsis' { Assert-HelpCheck 'Synopsis' }
    It 'has a description' { Assert-HelpCheck 'Description' }
    It 'has at least two examples with code' { Assert-HelpCheck 'Examples' }
    It 'documents its outputs' { Assert-HelpCheck 'Outputs' }
    It 'describes parameter -<_>' -ForEach $Parameters { Assert-HelpCheck "Parameter:$_" }
}
