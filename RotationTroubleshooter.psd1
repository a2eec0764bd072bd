@{
    RootModule           = 'RotationTroubleshooter.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5d0c2f8e-3b71-4b8a-9a43-7f0f2d8e6c11'
    Author               = 'RotationTroubleshooter developers'
    CompanyName          = 'RotationTroubleshooter'
    Copyright            = '(c) RotationTroubleshooter developers. Apache-2.0.'
    Description          = 'Explains why an AWS Secrets Manager rotation fails and what to change: reads the secret, its rotation function, logs, bundle, network and database.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.6'
    CmdletsToExport      = @(
        'Get-RotationFunctionAge'
        'Test-SecretRotation'
        'Test-RotationDatabaseLogin'
        'Test-LibpqScramSupport'
        'Test-RotationNetwork'
        'Get-RotationFunctionLog'
        'Repair-SecretRotation'
        'Start-SecretRotation'
    )
    AliasesToExport      = @('Get-RotationFunctionLogs')
    FunctionsToExport    = @()
    VariablesToExport    = @()
    FormatsToProcess     = @(
        'Formats/RotationFunctionAge.format.ps1xml'
        'Formats/RotationDiagnosis.format.ps1xml'
        'Formats/DatabaseLogin.format.ps1xml'
        'Formats/LibpqReport.format.ps1xml'
        'Formats/NetworkPathReport.format.ps1xml'
        'Formats/RotationAttempt.format.ps1xml'
        'Formats/RepairAction.format.ps1xml'
    )
    PrivateData          = @{
        PSData = @{
            Tags         = @('AWS', 'SecretsManager', 'Rotation', 'Lambda', 'Troubleshooting', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            LicenseUri   = 'https://www.apache.org/licenses/LICENSE-2.0'
            ReleaseNotes = 'See README.md.'
        }
    }
}
