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
        'Export-RotationReport'
        'Get-RotationHistory'
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
        'Formats/RotationHistoryEvent.format.ps1xml'
    )
    PrivateData          = @{
        PSData = @{
            Tags         = @('AWS', 'SecretsManager', 'Rotation', 'Lambda', 'Troubleshooting', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            LicenseUri   = 'https://www.apache.org/licenses/LICENSE-2.0'
            ReleaseNotes = @'
0.1.0
- Test-SecretRotation: one diagnosis per secret, each check of AWS's rotation troubleshooting guide, findings with
  evidence, remediation and a link; Get-RotationFunctionLog, Get-RotationFunctionAge, Test-LibpqScramSupport,
  Test-RotationNetwork and Test-RotationDatabaseLogin for the logs, age, bundled libpq, VPC path and database logins.
- Pipeline: every cmdlet takes the others' output, Get-SECSecretList output and plain objects with Name, ARN, SecretId,
  FunctionName, FunctionArn or RotationLambdaARN; a Lambda function given for a secret is recognised. Results come out
  in input order while -ThrottleLimit items are worked on at once.
- Exports read as words: findings, evidence and other lists in Export-Csv and ConvertTo-Html, enum names in
  ConvertTo-Json. Dates are UTC DateTime values, as AWS.Tools returns them; table headers are property names.
- AWS.Tools' credential, region and endpoint parameters; -Credential takes AWS credentials only; missing credentials
  or region stop the command once; an ARN's region wins for its item; AWS_PROFILE, AWS_CONFIG_FILE and
  AWS_SHARED_CREDENTIALS_FILE changed in the session are honoured.
- Export-RotationReport: diagnoses, live or read back from JSON (so shards run elsewhere merge), as one
  self-contained HTML report: summary and chart by account and region, then each failing secret's cause, evidence and
  the command that settles it, then every secret. Every diagnosis carries AccountId and Region.
- Read-only, never returns or prints a secret value, and works beside AWS.Tools (its own AWSSDK.Core in a private
  load context).
'@
        }
    }
}
