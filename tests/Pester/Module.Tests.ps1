BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-TestModulePath
    $script:Root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    Set-TestAwsEnvironment
    Reset-TestMoto | Out-Null
    Invoke-Scenario function_age | Out-Null

    # What a user runs in a fresh session after something else loaded its own AWSSDK.Core.
    function Invoke-AfterOtherSdk([string] $SdkAssembly) {
        Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$SdkAssembly'
Import-Module '$ModulePath'
`$age = Get-RotationFunctionAge -FunctionName rotation-from-stack -EndpointUrl '$env:RT_MOTO_URL'
"StackName=`$(`$age.StackName)"
[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'AWSSDK.Core' } |
    ForEach-Object { "Loaded=`$(`$_.GetName().Version)@`$([System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name)" }
"@
    }
}

Describe 'The module' {
    It 'has a valid manifest for PowerShell 7.6 Core that exports exactly the working cmdlets' {
        $manifest = Test-ModuleManifest (Join-Path $ModulePath 'RotationTroubleshooter.psd1')

        $manifest.CompatiblePSEditions | Should -Be @('Core')
        $manifest.PowerShellVersion | Should -Be ([version]'7.6')
        $manifest.ExportedCmdlets.Keys | Sort-Object | Should -Be @('Export-RotationReport', 'Get-RotationFunctionAge', 'Get-RotationFunctionLog', 'Get-RotationHistory', 'Repair-SecretRotation', 'Start-SecretRotation', 'Test-LibpqScramSupport', 'Test-RotationDatabaseLogin', 'Test-RotationNetwork', 'Test-SecretRotation')
        $manifest.ProjectUri | Should -BeNullOrEmpty -Because 'the project has no public repository yet, and a ProjectUri must name one that exists'
        $manifest.LicenseUri.Scheme | Should -Be 'https'
        $manifest.ReleaseNotes | Should -Match "^$([regex]::Escape($manifest.Version.ToString()))\s"
        $manifest.ReleaseNotes | Should -Not -Match 'See README'
    }

    It 'offers the AWS parameters only in the parameter sets that call AWS' {
        Import-Module $ModulePath -Force
        foreach ($command in Get-Command -Module RotationTroubleshooter) {
            foreach ($set in $command.ParameterSets) {
                $offline = $set.Name -in 'Path', 'LiteralPath'
                foreach ($parameter in 'Region', 'ProfileName', 'ProfileLocation', 'AccessKey', 'SecretKey', 'SessionToken', 'Credential', 'EndpointUrl') {
                    ($set.Parameters.Name -contains $parameter) | Should -Be (-not $offline) -Because "$($command.Name) -$parameter in the $($set.Name) set"
                }
            }
        }
        (Get-Command Test-LibpqScramSupport).ParameterSets.Name | Should -Contain 'LiteralPath'
    }

    It 'exports only approved verbs and loads its format views' {
        $result = Invoke-FreshPwsh @"
Import-Module '$ModulePath'
Get-Command -Module RotationTroubleshooter | ForEach-Object { "Verb=`$(`$_.Verb) Approved=`$([bool](Get-Verb `$_.Verb))" }
(Get-FormatData RotationTroubleshooter.RotationFunctionAge).TypeNames
"@
        $result.Output | Should -Match 'Approved=True'
        $result.Output | Should -Not -Match 'Approved=False'
        $result.Output | Should -Match 'RotationTroubleshooter.RotationFunctionAge'
    }

    It 'works in a session where AWS.Tools 4 (AWSSDK.Core 3.7.501.1) is already loaded' {
        $sdk = Join-Path (Get-NuGetPackagePath 'AWSSDK.Core' '3.7.501.1') 'lib/net8.0/AWSSDK.Core.dll'
        $result = Invoke-AfterOtherSdk $sdk

        $result.Output | Should -Match 'StackName=orders-rotation'
        $result.Output | Should -Match 'Loaded=3\.3\.0\.0@Default'
        $result.Output | Should -Match 'Loaded=4\.0\.0\.0@RotationTroubleshooter'
        $result.ExitCode | Should -Be 0
    }

    It 'works in a session where AWSSDK.Core 4.0.3.3 is already loaded' {
        $sdk = Join-Path (Get-NuGetPackagePath 'AWSSDK.Core' '4.0.3.3') 'lib/net8.0/AWSSDK.Core.dll'
        $result = Invoke-AfterOtherSdk $sdk

        $result.Output | Should -Match 'StackName=orders-rotation'
        $result.Output | Should -Match 'Loaded=4\.0\.0\.0@Default'
        $result.Output | Should -Match 'Loaded=4\.0\.0\.0@RotationTroubleshooter'
        $result.ExitCode | Should -Be 0
    }

    It 'reads credentials made by AWSSDK.Core <Version> loaded after it ($StoredAWSCredentials, -Credential), before and after a re-import' -ForEach @(
        @{ Version = '3.7.501.1' }
        @{ Version = '4.0.3.3' }
    ) {
        $sdk = Join-Path (Get-NuGetPackagePath 'AWSSDK.Core' $Version) 'lib/net8.0/AWSSDK.Core.dll'
        # AWS.Tools imported after this module: its AWSCredentials objects are foreign types here, read by shape.
        $result = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
Add-Type -Path '$sdk'
Remove-Item Env:AWS_ACCESS_KEY_ID, Env:AWS_SECRET_ACCESS_KEY, Env:AWS_REGION
`$global:StoredAWSCredentials = [Amazon.Runtime.BasicAWSCredentials]::new('AKIAFOREIGNSDK000001', 'foreign-sdk-secret-canary')
`$global:StoredAWSRegion = 'us-east-1'
Get-RotationFunctionAge -FunctionName rotation-from-stack -EndpointUrl '$env:RT_MOTO_URL' -Debug -Verbose *>&1 | ForEach-Object { "Stored: `$_ `$(`$_.StackName)" }
Remove-Module RotationTroubleshooter
Import-Module '$ModulePath'
Remove-Variable StoredAWSCredentials -Scope Global
`$credential = [Amazon.Runtime.BasicAWSCredentials]::new('AKIAFOREIGNSDK000002', 'foreign-sdk-secret-canary')
Get-RotationFunctionAge -FunctionName rotation-from-stack -Credential `$credential -EndpointUrl '$env:RT_MOTO_URL' -Debug -Verbose *>&1 | ForEach-Object { "Parameter: `$_ `$(`$_.StackName)" }
"@
        $result.ExitCode | Should -Be 0
        $result.Output | Should -Match 'Stored: .*Set-AWSCredential'
        $result.Output | Should -Match 'Stored: .*orders-rotation'
        $result.Output | Should -Match 'Parameter: .*the -Credential parameter'
        $result.Output | Should -Match 'Parameter: .*orders-rotation'
        $result.Output | Should -Match 'StoredAWSRegion'
        $result.Output | Should -Not -Match 'foreign-sdk-secret-canary|AKIAFOREIGNSDK'
    }

    It 'can be removed and imported again in the same session' {
        $result = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
(Get-RotationFunctionAge -FunctionName rotation-from-sar -EndpointUrl '$env:RT_MOTO_URL').FunctionName
Remove-Module RotationTroubleshooter
"Removed=`$(-not (Get-Command Get-RotationFunctionAge -ErrorAction SilentlyContinue))"
Import-Module '$ModulePath'
"Again=`$((Get-RotationFunctionAge -FunctionName rotation-from-stack -EndpointUrl '$env:RT_MOTO_URL').StackName)"
"@
        $result.Output | Should -Match 'rotation-from-sar'
        $result.Output | Should -Match 'Removed=True'
        $result.Output | Should -Match 'Again=orders-rotation'
    }

    It 'packages as a .nupkg that Save-PSResource installs from a local repository' {
        $result = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
Set-Location '$Root'
./build.ps1 Package *> `$null
`$repo = Join-Path '$Root' 'out/repository'
`$target = Join-Path ([IO.Path]::GetTempPath()) "rt-saved-`$([guid]::NewGuid())"
New-Item -ItemType Directory `$target | Out-Null
Register-PSResourceRepository -Name RtLocalTest -Uri `$repo -Trusted
try { Save-PSResource -Name RotationTroubleshooter -Repository RtLocalTest -Path `$target -TrustRepository }
finally { Unregister-PSResourceRepository -Name RtLocalTest }
Import-Module (Join-Path `$target 'RotationTroubleshooter')
"Saved=`$((Get-Command Get-RotationFunctionAge).Source)"
"Readme=`$(Test-Path (Join-Path `$target 'RotationTroubleshooter/*/README.md'))"
"Age=`$((Get-RotationFunctionAge -FunctionName rotation-from-stack -EndpointUrl '$env:RT_MOTO_URL').StackName)"
Remove-Item `$target -Recurse -Force
"@
        $result.Output | Should -Match 'Saved=RotationTroubleshooter'
        $result.Output | Should -Match 'Readme=True'
        $result.Output | Should -Match 'Age=orders-rotation'
    }
}
