# The pipeline contract: every cmdlet's output, AWS.Tools' objects and plain objects pipe into every cmdlet that takes
# their kind of input; objects export as words; dates are UTC as AWS.Tools returns them; an ARN's region wins.
BeforeDiscovery {
    # Cmdlets that take secrets; those marked Functions also answer for rotation functions.
    $script:Consumers = @(
        @{ Consumer = 'Test-SecretRotation'; Functions = $false }
        @{ Consumer = 'Test-RotationDatabaseLogin'; Functions = $false }
        @{ Consumer = 'Get-RotationFunctionLog'; Functions = $true }
        @{ Consumer = 'Get-RotationFunctionAge'; Functions = $true }
        @{ Consumer = 'Test-LibpqScramSupport'; Functions = $true }
        @{ Consumer = 'Test-RotationNetwork'; Functions = $true }
    )
    # The module's outputs made for the secret, and for its function alone (names of $Produced entries).
    $secretOutputs = 'Diagnosis', 'Attempt', 'Age', 'Libpq', 'Network', 'Login'
    $functionOutputs = 'FunctionAge', 'FunctionLibpq', 'FunctionNetwork'
    $script:OutputCases = foreach ($c in $Consumers) {
        foreach ($o in $secretOutputs) { @{ Consumer = $c.Consumer; Functions = $c.Functions; Given = $o; Names = 'Secret' } }
        foreach ($o in $functionOutputs) { @{ Consumer = $c.Consumer; Functions = $c.Functions; Given = $o; Names = 'Function' } }
    }
    # AWS.Tools' objects (same shapes) and plain objects, into a cmdlet that takes secrets only and one that takes both.
    $secretShapes = 'SecretListEntry', 'DescribeSecretResponse', 'Name', 'ARN', 'SecretId', 'SecretArn', 'NameText', 'ArnText'
    $functionShapes = 'FunctionConfiguration', 'FunctionName', 'FunctionArn', 'RotationLambdaARN', 'RotationFunctionArn', 'FunctionArnText', 'FunctionNameText'
    $script:FormatFiles = @(Get-ChildItem (Join-Path $PSScriptRoot '../../src/RotationTroubleshooter/Formats') -Filter *.format.ps1xml | ForEach-Object Name)
    $script:ShapeCases = foreach ($c in $Consumers | Where-Object Consumer -in 'Test-SecretRotation', 'Get-RotationFunctionAge') {
        foreach ($s in $secretShapes) { @{ Consumer = $c.Consumer; Functions = $c.Functions; Given = $s; Names = 'Secret' } }
        foreach ($s in $functionShapes) { @{ Consumer = $c.Consumer; Functions = $c.Functions; Given = $s; Names = 'Function' } }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    Set-TestAwsEnvironment
    Reset-TestMoto | Out-Null
    $script:Work = (New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "rt-contract-$([guid]::NewGuid().ToString('N'))")).FullName
    $env:RT_CODE_DIR = Join-Path $Work 'code'
    $script:Seed = Invoke-Scenario pipeline_contract -ArgumentList @("$(Get-FreeTcpPort)")
    $script:SecretArn = $Seed.secret
    $script:FunctionArn = $Seed.function
    # moto's Code.Location names a host it does not serve: the proxy serves the deployment package.
    $script:Proxy = Start-AwsProxy -CodeDirectory $env:RT_CODE_DIR
    $env:AWS_ENDPOINT_URL = $Proxy.Url
    $PSDefaultParameterValues['Test-RotationDatabaseLogin:TimeoutSeconds'] = 2

    # Stand-ins with the property names of AWS.Tools' objects (AWSSDK.SecretsManager / AWSSDK.Lambda models).
    if (-not ('RtStandIn.SecretListEntry' -as [type])) {
        Add-Type -TypeDefinition @'
namespace RtStandIn {
    public sealed class SecretListEntry {
        public string ARN { get; set; } public string Name { get; set; } public string Description { get; set; }
        public bool? RotationEnabled { get; set; } public string RotationLambdaARN { get; set; } public string OwningService { get; set; }
        public System.DateTime? LastRotatedDate { get; set; } public System.DateTime? NextRotationDate { get; set; }
    }
    public sealed class DescribeSecretResponse {
        public string ARN { get; set; } public string Name { get; set; } public bool? RotationEnabled { get; set; }
        public string RotationLambdaARN { get; set; } public string KmsKeyId { get; set; }
    }
    public sealed class FunctionConfiguration {
        public string FunctionName { get; set; } public string FunctionArn { get; set; } public string Runtime { get; set; }
        public string Role { get; set; } public int? Timeout { get; set; }
    }
}
'@
    }

    $script:Produced = @{
        Diagnosis = Test-SecretRotation -SecretId $SecretArn
        Attempt = Get-RotationFunctionLog -SecretId $SecretArn | Select-Object -Last 1
        Age = Get-RotationFunctionAge -SecretId $SecretArn
        Libpq = Test-LibpqScramSupport -SecretId $SecretArn | Select-Object -First 1
        Network = Test-RotationNetwork -SecretId $SecretArn
        Login = Test-RotationDatabaseLogin -SecretId $SecretArn -VersionStage AWSCURRENT
        FunctionAge = Get-RotationFunctionAge -FunctionName contract-rotation
        FunctionLibpq = Test-LibpqScramSupport -FunctionName contract-rotation | Select-Object -First 1
        FunctionNetwork = Test-RotationNetwork -FunctionName contract-rotation
        SecretListEntry = [RtStandIn.SecretListEntry]@{ ARN = $SecretArn; Name = 'contract/app-db'; RotationEnabled = $true; RotationLambdaARN = $FunctionArn }
        DescribeSecretResponse = [RtStandIn.DescribeSecretResponse]@{ ARN = $SecretArn; Name = 'contract/app-db'; RotationEnabled = $true; RotationLambdaARN = $FunctionArn }
        Name = [pscustomobject]@{ Name = 'contract/app-db' }
        ARN = [pscustomobject]@{ ARN = $SecretArn }
        SecretId = [pscustomobject]@{ SecretId = 'contract/app-db' }
        SecretArn = [pscustomobject]@{ SecretArn = $SecretArn }
        NameText = 'contract/app-db'
        ArnText = $SecretArn
        FunctionConfiguration = [RtStandIn.FunctionConfiguration]@{ FunctionName = 'contract-rotation'; FunctionArn = $FunctionArn; Runtime = 'python3.12' }
        FunctionName = [pscustomobject]@{ FunctionName = 'contract-rotation' }
        FunctionArn = [pscustomobject]@{ FunctionArn = $FunctionArn }
        RotationLambdaARN = [pscustomobject]@{ RotationLambdaARN = $FunctionArn }
        RotationFunctionArn = [pscustomobject]@{ RotationFunctionArn = $FunctionArn }
        FunctionArnText = $FunctionArn
        FunctionNameText = 'contract-rotation'
    }
    foreach ($name in @($Produced.Keys)) { if ($null -eq $Produced[$name]) { throw "The seed gave no $name output." } }

    <# The rotation function an output answers for, by name. #>
    function Get-FunctionName($Object) {
        foreach ($property in 'FunctionArn', 'FunctionName') {
            $value = $Object.PSObject.Properties[$property]?.Value
            if ($value) { return $(if ($value -match ':function:([^:]+)') { $Matches[1] } else { $value }) }
        }
    }

    <# Pipes one input into a cmdlet; asserts it answered for what the input names, or said a function is no secret. #>
    function Assert-Answers([string] $Consumer, [bool] $Functions, [string] $Given, [string] $Names) {
        $results = @($Produced[$Given] | & $Consumer -ErrorVariable failures -ErrorAction SilentlyContinue)
        if ($Names -eq 'Secret') {
            $failures | Should -BeNullOrEmpty
            $results | Should -Not -BeNullOrEmpty
            $results | ForEach-Object { $_.SecretArn | Should -Be $SecretArn }
        }
        elseif ($Functions) {
            $failures | Should -BeNullOrEmpty
            $results | Should -Not -BeNullOrEmpty
            $results | ForEach-Object { Get-FunctionName $_ | Should -Be 'contract-rotation' }
        }
        else {
            $results | Should -BeNullOrEmpty
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'FunctionGivenAsSecret,*'
            $failures[0].Exception.Message | Should -Match "'(arn:aws:lambda:\S+:function:)?contract-rotation' is a Lambda function, not a secret"
        }
    }
}

AfterAll {
    Stop-AwsProxy $Proxy
    $PSDefaultParameterValues.Remove('Test-RotationDatabaseLogin:TimeoutSeconds')
    Remove-Item Env:AWS_ENDPOINT_URL, Env:RT_CODE_DIR -ErrorAction SilentlyContinue
    Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Every output pipes into every cmdlet that takes its kind of input' {
    It '<Given> (names the <Names>) | <Consumer>' -ForEach $OutputCases {
        Assert-Answers $Consumer $Functions $Given $Names
    }

    It '<Given> (names the <Names>) | <Consumer>' -ForEach $ShapeCases {
        Assert-Answers $Consumer $Functions $Given $Names
    }

    It 'a finding pipes into every cmdlet that takes secrets, for the secret it belongs to' {
        $finding = $Produced.Diagnosis.Findings[0]
        foreach ($consumer in $Consumers.Consumer) { ($finding | & $consumer).SecretArn | Select-Object -Unique | Should -Be $SecretArn }
    }

    It 'takes the same objects as -SecretId and -FunctionName arguments, not their text' {
        (Get-RotationFunctionAge -SecretId $Produced.Diagnosis).SecretArn | Should -Be $SecretArn
        (Get-RotationFunctionAge $Produced.SecretListEntry).SecretArn | Should -Be $SecretArn
        (Test-RotationNetwork -FunctionName $Produced.FunctionAge).FunctionName | Should -Be 'contract-rotation'
    }

    It 'answers in input order for mixed input, and an object that names nothing is an error in its place' {
        $results = $Produced.FunctionAge, [pscustomobject]@{ Other = 1 }, $Produced.Diagnosis |
            Get-RotationFunctionAge -ErrorVariable failures -ErrorAction SilentlyContinue
        $results | Should -HaveCount 2
        $results[0].SecretArn | Should -BeNullOrEmpty
        $results[1].SecretArn | Should -Be $SecretArn
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'UnrecognizedInput,*'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failures[0].Exception.Message | Should -Match 'names no secret or rotation function.*SecretArn, ARN'
    }

    It 'says a Lambda ARN or a function''s name given for a secret is a function, and what to do instead' {
        Test-SecretRotation -SecretId $FunctionArn, contract-rotation -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failures | Should -HaveCount 2
        $failures | ForEach-Object {
            $_.FullyQualifiedErrorId | Should -BeLike 'FunctionGivenAsSecret,*'
            $_.Exception.Message | Should -Match "Test-SecretRotation \| Where-Object RotationFunctionArn -like '\*:function:contract-rotation'"
        }
    }

    It 'answers for a function named where a secret is expected, and still reports a name that is neither' {
        $results = Get-RotationFunctionAge contract-rotation, no-such-name -ErrorVariable failures -ErrorAction SilentlyContinue -Verbose 4>&1
        $verbose = @($results | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        @($results | Where-Object FunctionName).FunctionName | Should -Be 'contract-rotation'
        $verbose.Message | Should -Contain "'contract-rotation' is a Lambda function, not a secret."
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'SecretNotFound,*'
    }

    It 'Repair-SecretRotation and Start-SecretRotation take <_> for its secret' -ForEach 'Diagnosis', 'Attempt', 'Age', 'Libpq', 'Network', 'Login', 'SecretListEntry', 'Name', 'NameText' {
        # -WhatIf: nothing changes; a binding by text would end in SecretNotFound for the object's text.
        $Produced[$_] | Repair-SecretRotation -WhatIf -ErrorVariable repairFailures -ErrorAction SilentlyContinue | Out-Null
        $Produced[$_] | Start-SecretRotation -WhatIf -ErrorVariable startFailures -ErrorAction SilentlyContinue | Out-Null
        $repairFailures | Should -BeNullOrEmpty
        $startFailures | Should -BeNullOrEmpty
    }

    It 'Repair-SecretRotation and Start-SecretRotation say a function is not a secret' {
        $Produced.FunctionAge, $Produced.FunctionArnText | Repair-SecretRotation -WhatIf -ErrorVariable repairFailures -ErrorAction SilentlyContinue | Out-Null
        $Produced.FunctionAge | Start-SecretRotation -WhatIf -ErrorVariable startFailures -ErrorAction SilentlyContinue | Out-Null
        @($repairFailures) + @($startFailures) | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'FunctionGivenAsSecret,*' }
        @($repairFailures) + @($startFailures) | Should -HaveCount 3
    }

    It 'reads Get-ChildItem output as files, offline, in the cmdlets that read files' {
        $bundle = Join-Path $env:RT_CODE_DIR 'functions/contract-rotation.zip'
        $reports = Get-Item $bundle | Test-LibpqScramSupport
        $reports.Source | Should -Be $bundle
        $reports.Driver | Should -Be 'None'
        $reports.FunctionArn | Should -BeNullOrEmpty
    }
}

Describe 'What -Verbose says' {
    It 'tells per item, in its place, what each check did and found' {
        $records = $SecretArn, $Seed.otherRegionSecret | Test-SecretRotation -Verbose 4>&1
        $lines = $records | ForEach-Object { if ($_ -is [System.Management.Automation.VerboseRecord]) { $_.Message } else { "RESULT $($_.Name)" } }
        $first = [array]::IndexOf($lines, 'RESULT contract/app-db')
        $first | Should -BeGreaterThan 0
        [array]::IndexOf($lines, 'RESULT contract/eu-db') | Should -Be ($lines.Count - 1)
        $ours = $lines[0..($first - 1)]
        $ours | Where-Object { $_ -match '^contract/app-db: LastRotationAttempt checked the newest rotation attempt .* \(\d+ ms\): ' } | Should -HaveCount 1
        $ours | Where-Object { $_ -match '^contract/app-db: NetworkPath checked .* \(\d+ ms\): ' } | Should -HaveCount 1
        $ours | Where-Object { $_ -match '^contract/app-db: (Healthy|Warning|Failing|Unknown|NotConfigured), \d+ error\(s\) and \d+ warning\(s\), in \d+ ms\.$' } | Should -HaveCount 1
        foreach ($finding in $Produced.Diagnosis.Findings) {
            $ours | Where-Object { $_ -like "contract/app-db: * checked *: *$($finding.Severity) $($finding.CheckId): *" } | Should -Not -BeNullOrEmpty
        }
        $lines[($first + 1)..($lines.Count - 2)] | ForEach-Object { $_ | Should -Match '^contract/eu-db: ' }
    }
}

Describe 'An ARN''s region wins for its item' {
    It 'diagnoses secrets piped from two regions, each in its own' {
        $d = $SecretArn, $Seed.otherRegionSecret | Test-SecretRotation -ErrorVariable failures -Debug -Verbose 5>&1 4>$null
        $debug = @($d | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }).Message
        $d = @($d | Where-Object { $_ -isnot [System.Management.Automation.DebugRecord] })
        $failures | Should -BeNullOrEmpty
        $d.SecretArn | Should -Be @($SecretArn, $Seed.otherRegionSecret)
        $d[1].RotationFunctionArn | Should -Be $Seed.otherRegionFunction
        $d[1].Findings.CheckId | Should -Not -Contain 'RotationFunctionMissing'
        $debug | Should -Contain "Region eu-west-1 from the ARN $($Seed.otherRegionSecret), for the items in it."
    }

    It 'dates a function by its ARN in another region; its name alone is looked for in the session''s region' {
        (Get-RotationFunctionAge -FunctionName $Seed.otherRegionFunction).FunctionArn | Should -Be $Seed.otherRegionFunction
        Get-RotationFunctionAge -FunctionName contract-eu-rotation -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'FunctionNotFound,*'
        $failures[0].Exception.Message | Should -Match 'not found in us-east-1'
    }
}

Describe 'Objects export as words' {
    It 'a diagnosis in CSV and HTML lists its findings by severity and id' {
        $csv = $Produced.Diagnosis | ConvertTo-Csv | ConvertFrom-Csv
        $csv.Findings | Should -Be (($Produced.Diagnosis.Findings | ForEach-Object { "$($_.Severity) $($_.CheckId)" }) -join '; ')
        $csv.Status | Should -Be "$($Produced.Diagnosis.Status)"
        $html = $Produced.Diagnosis | ConvertTo-Html | Out-String
        $html | Should -Match ([regex]::Escape("<td>$($csv.Findings)</td>"))
    }

    It 'findings expanded from diagnoses export with their evidence as lines' {
        $rows = $Produced.Diagnosis | Select-Object -ExpandProperty Findings | ConvertTo-Csv | ConvertFrom-Csv
        $rows | Should -HaveCount $Produced.Diagnosis.Findings.Count
        $rows[0].CheckId | Should -Be $Produced.Diagnosis.Findings[0].CheckId
        $rows[0].Evidence | Should -Be ($Produced.Diagnosis.Findings[0].Evidence -join "`n")
    }

    It '<_> exports no type names in CSV or HTML, and no enum numbers in JSON' -ForEach 'Diagnosis', 'Attempt', 'Age', 'Libpq', 'Network', 'Login' {
        $object = $Produced[$_]
        $typeName = 'System\.Collections|RotationTroubleshooter\.|`1\[|\[\]'
        $object | ConvertTo-Csv | Out-String | Should -Not -Match $typeName
        $object | ConvertTo-Html | Out-String | Should -Not -Match $typeName
        $json = $object | ConvertTo-Json -Depth 6
        $json | Should -Not -Match '"(Status|Severity|Outcome|Verdict|Driver|Kind|Engine|FailureKind)":\s*\d'
        $json | ConvertFrom-Json | Should -Not -BeNullOrEmpty
    }

    It 'keeps lists as lists in JSON and for PowerShell' {
        $json = $Produced.Diagnosis | ConvertTo-Json -Depth 4 | ConvertFrom-Json
        $json.Findings.Count | Should -Be $Produced.Diagnosis.Findings.Count
        $json.Findings[0].Severity | Should -Be "$($Produced.Diagnosis.Findings[0].Severity)"
        $Produced.Attempt.Steps[0].Step | Should -Be 'createSecret'
        $Produced.Attempt.Evidence.Count | Should -BeGreaterThan 0
    }
}

Describe 'Dates are UTC DateTime values, as AWS.Tools returns them' {
    It 'gives <Property> of <Output> as DateTimeKind Utc' -ForEach @(
        @{ Output = 'Diagnosis'; Property = 'LastRotatedDate' }
        @{ Output = 'Diagnosis'; Property = 'NextRotationDate' }
        @{ Output = 'Attempt'; Property = 'StartTime' }
        @{ Output = 'Attempt'; Property = 'EndTime' }
        @{ Output = 'Age'; Property = 'CreatedDate' }
    ) {
        $value = $Produced[$Output].$Property
        $value | Should -BeOfType [datetime]
        $value.Kind | Should -Be 'Utc'
    }

    It 'reads -StartTime and -EndTime by their Kind, in a time zone that is not UTC' {
        # An attempt inside a 10-minute window is found whichever way the window is given; Tokyo is UTC+9 all year.
        $from = $Produced.Attempt.StartTime.AddMinutes(-5)
        $result = Invoke-FreshPwsh @"
Import-Module '$(Get-TestModulePath)'
`$from = [datetime]::new($($from.Ticks), 'Utc')
`$windows = [ordered]@{
    Utc = `$from, `$from.AddMinutes(10)
    Local = `$from.ToLocalTime(), `$from.AddMinutes(10).ToLocalTime()
    Unspecified = `$from.ToString('yyyy-MM-dd HH:mm:ss'), `$from.AddMinutes(10).ToString('yyyy-MM-dd HH:mm:ss')
}
"Offset=`$([TimeZoneInfo]::Local.BaseUtcOffset.TotalHours)"
foreach (`$kind in `$windows.Keys) {
    `$found = @(Get-RotationFunctionLog -SecretId '$SecretArn' -StartTime `$windows[`$kind][0] -EndTime `$windows[`$kind][1] -Verbose 4>&1)
    "`$kind=`$(@(`$found | Where-Object { `$_.PSObject.TypeNames[0] -eq 'RotationTroubleshooter.RotationAttempt' }).Count) `$((`$found | Where-Object { `$_ -is [System.Management.Automation.VerboseRecord] }).Message)"
}
"@ -Environment @{ TZ = 'Asia/Tokyo'; AWS_ENDPOINT_URL = $Proxy.Url }
        $result.Output | Should -Match 'Offset=9'
        $window = [regex]::Escape("from $($from.ToString('yyyy-MM-dd HH:mm:ss'))Z to $($from.AddMinutes(10).ToString('yyyy-MM-dd HH:mm:ss'))Z")
        foreach ($kind in 'Utc', 'Local', 'Unspecified') { $result.Output | Should -Match "$kind=1 .*$window" }
    }

    It 'says UTC wherever it shows a time as text' {
        $Produced.Diagnosis | Format-List | Out-String | Should -Match 'LastRotatedDate\s+: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC'
        $Produced.Attempt | Out-String -Width 120 | Should -Match 'Start \(UTC\)'
        $Produced.Age | Format-List | Out-String | Should -Match 'CreatedDate\s+: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC'
    }
}

Describe 'Default tables' {
    It 'use property names for every one-word header (<_>)' -ForEach $FormatFiles {
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'RotationTroubleshooter.Engine' } | Select-Object -First 1
        $xml = [xml](Get-Content (Join-Path (Get-TestModulePath) "Formats/$_") -Raw)
        foreach ($view in $xml.Configuration.ViewDefinitions.View | Where-Object { $_['TableControl'] }) {
            $type = $engine.GetType($view.ViewSelectedBy.TypeName, $true)
            foreach ($label in $view.TableControl.TableHeaders.TableColumnHeader.Label | Where-Object { $_ -match '^\w+$' }) {
                $type.GetProperty($label) | Should -Not -BeNullOrEmpty -Because "$($view.Name)'s header $label should be one of its properties"
            }
        }
    }

    It 'show a diagnosis within 120 columns, names whole however long' {
        # Copies of a real diagnosis under two long names that share their first 45 characters; the view is the type's.
        $named = foreach ($name in 'prod/analytics/warehouse/replica-2/reporting-db', 'prod/analytics/warehouse/replica-2/reporting-db-old') {
            $copy = $Produced.Diagnosis | Select-Object *
            $copy.PSObject.TypeNames.Insert(0, 'RotationTroubleshooter.RotationDiagnosis')
            $copy.Name = $name
            $copy
        }
        $lines = ($named | Out-String -Width 120) -split "`n" | ForEach-Object TrimEnd | Where-Object { $_ }
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 120 }
        $lines[0] | Should -Match '^Name\s+Status\s+OwningService\s+Cause\s+Summary$'
        ($lines | Select-Object -Skip 2 | ForEach-Object { $_.PadRight(24).Substring(0, 24).Trim() }) -join '' |
            Should -Be 'prod/analytics/warehouse/replica-2/reporting-dbprod/analytics/warehouse/replica-2/reporting-db-old'
    }
}
