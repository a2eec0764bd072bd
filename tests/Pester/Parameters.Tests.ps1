# Every command's parameters, their aliases, parameter sets, pipeline binding and validation, pinned in
# CommandParameters.txt (one line per command, set and parameter): a change to what users type shows up here as a diff
# to review. Regenerate the file after an intended change: $env:RT_WRITE_PARAMETERS = '1' before running this spec.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Commands = @(Get-Command -Module RotationTroubleshooter -CommandType Cmdlet | Sort-Object Name | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:PinnedFile = Join-Path $PSScriptRoot 'CommandParameters.txt'
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters

    <# One line per set and parameter: name, aliases, binding, type and validation, as Get-Command shows them. #>
    function Get-ParameterLine([System.Management.Automation.CommandInfo] $Command) {
        foreach ($set in $Command.ParameterSets | Sort-Object Name) {
            $setName = $set.Name + $(if ($set.IsDefault) { ' (default)' })
            foreach ($p in $set.Parameters | Where-Object Name -notin $common | Sort-Object Name) {
                $flags = @(
                    if ($p.IsMandatory) { 'Mandatory' }
                    if ($p.Position -ge 0) { "Position $($p.Position)" }
                    if ($p.ValueFromPipeline) { 'Pipeline' }
                    if ($p.ValueFromPipelineByPropertyName) { 'ByPropertyName' }
                )
                $validation = @(foreach ($attribute in $Command.Parameters[$p.Name].Attributes) {
                        switch ($attribute) {
                            { $_ -is [System.Management.Automation.ValidateRangeAttribute] } { "range $($_.MinRange)..$($_.MaxRange)" }
                            { $_ -is [System.Management.Automation.ValidateSetAttribute] } { "set $($_.ValidValues -join '|')" }
                        }
                    })
                $aliases = @($p.Aliases | Sort-Object)
                "$($Command.Name) $setName -$($p.Name)" + $(if ($aliases) { " alias $($aliases -join ',')" }) +
                    $(if ($flags) { " [$($flags -join ', ')]" }) + " $($p.ParameterType.Name)" + $(if ($validation) { " ($($validation -join '; '))" })
            }
        }
    }

    $script:Actual = @(Get-Command -Module RotationTroubleshooter -CommandType Cmdlet | Sort-Object Name | ForEach-Object { Get-ParameterLine $_ })
    if ($env:RT_WRITE_PARAMETERS) { Set-Content -LiteralPath $PinnedFile -Value $Actual }
    $script:Pinned = @(Get-Content -LiteralPath $PinnedFile)
}

Describe 'Command parameters' {
    It '<Name> has the pinned parameters, aliases and parameter sets' -ForEach $Commands {
        $mine = @($Actual | Where-Object { $_.StartsWith("$Name ") })
        $pinned = @($Pinned | Where-Object { $_.StartsWith("$Name ") })
        $mine.Count | Should -BeGreaterThan 0
        ($mine -join "`n") | Should -Be ($pinned -join "`n") -Because 'tests/Pester/CommandParameters.txt pins what users type; update it only for an intended change'
    }

    It 'pins no command the module does not have' {
        $names = $Commands.Name
        $Pinned | ForEach-Object { $_.Split(' ')[0] } | Sort-Object -Unique | Where-Object { $_ -notin $names } | Should -BeNullOrEmpty
    }

    It 'declares a parameter the same way in every command and set that has it (<_>)' -ForEach 'SecretId', 'InputObject', 'FunctionName', 'ThrottleLimit', 'Region', 'ProfileName', 'ProfileLocation', 'AccessKey', 'SecretKey', 'SessionToken', 'Credential', 'EndpointUrl' {
        # Aliases, binding, type and validation; a set may differ only in its name (Repair-SecretRotation's pipeline set is Diagnosis).
        $parameter = $_
        $shapes = @($Actual | Where-Object { $_ -match " -$parameter( |$)" } | ForEach-Object { $_ -replace '^\S+ \S+( \(default\))? ', '' } | Sort-Object -Unique)
        $shapes.Count | Should -BeGreaterThan 0
        $shapes | Should -HaveCount 1 -Because "every -$parameter should be one declaration: $($shapes -join ' | ')"
    }
}
