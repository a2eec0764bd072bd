# Repair-SecretRotation against moto: each mechanical repair leaves exactly the AWS state it names (read back through
# boto3, tests/scenarios/repairs.py), -WhatIf changes nothing, and a function changed between read and write is not
# overwritten.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    Set-TestAwsEnvironment
    $script:Moto = Reset-TestMoto
    $script:Seed = (Invoke-Scenario repairs).secrets
    $script:Names = @($Seed.PSObject.Properties.Name | Where-Object { $_ -ne 'repair/concurrent' })
    $env:AWS_ENDPOINT_URL = $Moto

    <# The actions a policy file grants outright (kms:* through Lambda and lambda:InvokeFunction through Secrets Manager are used on the caller's behalf, never called). #>
    function Get-PolicyAction([string] $File) {
        $policy = Get-Content (Join-Path $PSScriptRoot "../../docs/$File") -Raw | ConvertFrom-Json
        @($policy.Statement | Where-Object { -not $_.Condition -and $_.Sid -ne 'RotateSecretInvokesTheRotationFunction' } | ForEach-Object { $_.Action })
    }
    function Get-RepairState([string[]] $Name) { Invoke-Scenario repairs -ArgumentList (@('state') + $Name) }
    function Get-Action($Actions, [string] $Secret, [string] $CheckId) { @($Actions | Where-Object { $_.SecretName -eq $Secret -and $_.CheckId -eq $CheckId }) }
    $script:Repairable = @(
        @{ Secret = 'repair/pending'; CheckId = 'PendingVersionStuck' }
        @{ Secret = 'repair/permission'; CheckId = 'InvokePermissionMissing' }
        @{ Secret = 'repair/function-config'; CheckId = 'FunctionTimeoutTooShort' }
        @{ Secret = 'repair/function-config'; CheckId = 'SecretsManagerEndpointVariableMissing' }
        @{ Secret = 'repair/endpoint-wrong-region'; CheckId = 'SecretsManagerEndpointVariableWrongRegion' }
    )
}

AfterAll { Remove-Item Env:AWS_ENDPOINT_URL -ErrorAction SilentlyContinue }

Describe 'Repair-SecretRotation' {
    Context '-WhatIf: every change said, none made' {
        BeforeAll {
            $script:Before = Invoke-Scenario aws_state | ConvertTo-Json -Depth 20
            $script:Diagnoses = Test-SecretRotation -SecretId $Names
            $script:WhatIf = @($Diagnoses | Repair-SecretRotation -WhatIf)
            $script:WhatIfEnable = @(Repair-SecretRotation -SecretId repair/disabled -IncludeRotationEnable -WhatIf)
            $script:After = Invoke-Scenario aws_state | ConvertTo-Json -Depth 20
        }

        It 'proposes <CheckId> for <Secret>, typed, with a sentence naming the resource, and the state before and after' -ForEach @(
            @{ Secret = 'repair/pending'; CheckId = 'PendingVersionStuck'; Change = 'Remove the AWSPENDING label from version \S+ of secret repair/pending'; Before = ': AWSPENDING$'; After = ': \(no labels\)$' }
            @{ Secret = 'repair/permission'; CheckId = 'InvokePermissionMissing'; Change = 'statement SecretsManagerRotation-repair-permission .* function repair-permission.* for secret repair/permission only \(AWS:SourceArn\)'; Before = 'no resource policy'; After = 'when AWS:SourceArn is arn:aws:secretsmanager:.*:secret:repair/permission-' }
            @{ Secret = 'repair/shared-a'; CheckId = 'InvokePermissionMissing'; Change = 'function repair-shared.* for every secret of account 123456789012 \(AWS:SourceAccount; the function rotates 1 other secret too\)'; Before = 'no resource policy'; After = 'when AWS:SourceAccount is 123456789012$' }
            @{ Secret = 'repair/function-config'; CheckId = 'FunctionTimeoutTooShort'; Change = 'Raise the timeout of function repair-function-config from 5 s to 30 s'; Before = '^Timeout 5 s$'; After = '^Timeout 30 s$' }
            @{ Secret = 'repair/function-config'; CheckId = 'SecretsManagerEndpointVariableMissing'; Change = 'Set SECRETS_MANAGER_ENDPOINT of function repair-function-config to https://secretsmanager.us-east-1.amazonaws.com, keeping its 2 other environment variables'; Before = 'not set'; After = '^SECRETS_MANAGER_ENDPOINT=https://secretsmanager.us-east-1.amazonaws.com$' }
            @{ Secret = 'repair/endpoint-wrong-region'; CheckId = 'SecretsManagerEndpointVariableWrongRegion'; Change = 'to https://secretsmanager.us-east-1.amazonaws.com, keeping its 1 other environment variable\.'; Before = 'eu-west-1'; After = 'us-east-1' }
        ) {
            $action = Get-Action $WhatIf $Secret $CheckId
            $action | Should -HaveCount 1
            $action[0].PSObject.TypeNames | Should -Contain 'RotationTroubleshooter.RepairAction'
            $action[0].Status | Should -Be 'WouldChange'
            $action[0].Change | Should -Match $Change
            $action[0].Before | Should -Match $Before
            $action[0].After | Should -Match $After
        }

        It 'answers the second secret of a shared function once: the account-wide statement serves both' {
            # Both diagnoses name the missing permission; the statement proposed for shared-a is the one both need.
            (Get-Action $WhatIf 'repair/shared-b' 'InvokePermissionMissing').Status | Should -Be 'WouldChange'
        }

        It 'gives every other finding NotRepairable with its remediation' {
            $noHost = Get-Action $WhatIf 'repair/no-host' 'SecretJsonKeyMissing'
            $noHost.Status | Should -Be 'NotRepairable'
            $noHost.Remediation | Should -Match 'host'
            $noHost.Change | Should -BeNullOrEmpty
            $disabled = Get-Action $WhatIf 'repair/disabled' 'RotationDisabled'
            $disabled.Status | Should -Be 'NotRepairable'
            $disabled.Remediation | Should -Match '-IncludeRotationEnable'
        }

        It 'with -IncludeRotationEnable proposes turning rotation back on with its schedule' {
            $WhatIfEnable | Should -HaveCount 1
            $WhatIfEnable[0].Status | Should -Be 'WouldChange'
            $WhatIfEnable[0].Change | Should -Match 'Turn rotation of secret repair/disabled back on with its schedule \(every 14 days\)'
            $WhatIfEnable[0].After | Should -Be 'RotationEnabled True, every 14 days'
        }

        It 'changed nothing: secrets, labels, rotation settings, function configuration and policies are as they were' {
            $After | Should -Be $Before
        }
    }

    Context 'the repairs, confirmed' {
        BeforeAll {
            $script:StateBefore = Get-RepairState $Names
            $script:Proxy = Start-AwsProxy
            try { $script:Done = @(Repair-SecretRotation -SecretId $Names -Confirm:$false -IncludeRotationEnable -Verbose -EndpointUrl $Proxy.Url 4>&1) }
            finally { Stop-AwsProxy $Proxy }
            $script:Seen = @(Get-ProxyRecord $Proxy | ForEach-Object { "$($_.service):$($_.operation)" } | Sort-Object -Unique)
            $script:Verbose = @($Done | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | ForEach-Object Message)
            $script:Done = @($Done | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] })
            $script:State = Get-RepairState $Names
        }

        It 'did <CheckId> for <Secret>' -ForEach $Repairable {
            $action = Get-Action $Done $Secret $CheckId
            $action | Should -HaveCount 1
            $action[0].Status | Should -Be 'Done'
            $action[0].Error | Should -BeNullOrEmpty
        }

        It 'PendingVersionStuck: the stuck version has no label left; AWSCURRENT stayed on its version' {
            $before = $StateBefore.'repair/pending'.stages
            $after = $State.'repair/pending'.stages
            $stuck = @($before.PSObject.Properties | Where-Object { $_.Value -contains 'AWSPENDING' }).Name
            $current = @($before.PSObject.Properties | Where-Object { $_.Value -contains 'AWSCURRENT' }).Name
            $stuck | Should -HaveCount 1
            @($after.$stuck) | Should -BeNullOrEmpty
            @($after.$current) | Should -Be @('AWSCURRENT')
            @($after.PSObject.Properties.Name | Sort-Object) | Should -Be @($before.PSObject.Properties.Name | Sort-Object)
            (Get-Action $Done 'repair/pending' 'PendingVersionStuck').After | Should -Be "$($stuck): (no labels)"
        }

        It 'InvokePermissionMissing: one statement, for this secret only (ArnLike AWS:SourceArn)' {
            $statements = @($State.'repair/permission'.function.statements)
            $statements | Should -HaveCount 1
            $s = $statements[0]
            $s.Sid | Should -Be 'SecretsManagerRotation-repair-permission'
            $s.Effect | Should -Be 'Allow'
            $s.Action | Should -Be 'lambda:InvokeFunction'
            $s.Principal.Service | Should -Be 'secretsmanager.amazonaws.com'
            $s.Resource | Should -Be 'arn:aws:lambda:us-east-1:123456789012:function:repair-permission'
            @($s.Condition.PSObject.Properties.Name) | Should -Be @('ArnLike')
            @($s.Condition.ArnLike.PSObject.Properties.Name) | Should -Be @('AWS:SourceArn')
            $s.Condition.ArnLike.'AWS:SourceArn' | Should -Be $Seed.'repair/permission'
        }

        It 'InvokePermissionMissing on a function two secrets share: one statement for the account (StringEquals AWS:SourceAccount), made for the first secret repaired, fixing the second' {
            $statements = @($State.'repair/shared-a'.function.statements)
            $statements | Should -HaveCount 1
            $statements[0].Sid | Should -Be 'SecretsManagerAccess'
            $statements[0].Principal.Service | Should -Be 'secretsmanager.amazonaws.com'
            @($statements[0].Condition.PSObject.Properties.Name) | Should -Be @('StringEquals')
            $statements[0].Condition.StringEquals.'AWS:SourceAccount' | Should -Be '123456789012'
            # Test-SecretRotation writes diagnoses as they finish, so either secret may come first.
            $made = @('repair/shared-a', 'repair/shared-b' | ForEach-Object { Get-Action $Done $_ 'InvokePermissionMissing' })
            $made | Should -HaveCount 1
            $made[0].Status | Should -Be 'Done'
            $other = @('repair/shared-a', 'repair/shared-b') | Where-Object { $_ -ne $made[0].SecretName }
            $Verbose | Should -Contain "$($other): InvokePermissionMissing is fixed already; nothing to change."
        }

        It 'FunctionTimeoutTooShort and the endpoint variable on one function: timeout 30 s, the variable set, the other variables and settings unchanged' {
            $before = $StateBefore.'repair/function-config'.function
            $after = $State.'repair/function-config'.function
            $after.timeout | Should -Be 30
            $expected = @($before.environment.PSObject.Properties | ForEach-Object { "$($_.Name)=$($_.Value)" }) + 'SECRETS_MANAGER_ENDPOINT=https://secretsmanager.us-east-1.amazonaws.com'
            @($after.environment.PSObject.Properties | ForEach-Object { "$($_.Name)=$($_.Value)" } | Sort-Object) | Should -Be @($expected | Sort-Object)
            @($before.environment.PSObject.Properties.Name) | Should -HaveCount 2
            foreach ($setting in 'memorySize', 'handler', 'runtime') { $after.$setting | Should -Be $before.$setting }
            ($after.statements | ConvertTo-Json -Depth 10) | Should -Be ($before.statements | ConvertTo-Json -Depth 10)
        }

        It 'SecretsManagerEndpointVariableWrongRegion: the variable names the secret''s region, the other variable is unchanged' {
            $after = $State.'repair/endpoint-wrong-region'.function.environment
            @($after.PSObject.Properties.Name | Sort-Object) | Should -Be @('EXCLUDE_PUNCTUATION', 'SECRETS_MANAGER_ENDPOINT')
            $after.SECRETS_MANAGER_ENDPOINT | Should -Be 'https://secretsmanager.us-east-1.amazonaws.com'
            $after.EXCLUDE_PUNCTUATION | Should -Be 'true'
        }

        It 'RotationDisabled with -IncludeRotationEnable: rotation on again, same function and schedule' {
            (Get-Action $Done 'repair/disabled' 'RotationDisabled').Status | Should -Be 'Done'
            $after = $State.'repair/disabled'
            $after.rotationEnabled | Should -BeTrue
            $after.rotationLambdaArn | Should -Be $StateBefore.'repair/disabled'.rotationLambdaArn
            $after.rotationRules.AutomaticallyAfterDays | Should -Be 14
            $current = @($after.stages.PSObject.Properties | Where-Object { $_.Value -contains 'AWSCURRENT' }).Name
            $current | Should -Be @($StateBefore.'repair/disabled'.stages.PSObject.Properties | Where-Object { $_.Value -contains 'AWSCURRENT' }).Name
        }

        It 'changed nothing a finding did not name' {
            ($State.'repair/no-host' | ConvertTo-Json -Depth 10) | Should -Be ($StateBefore.'repair/no-host' | ConvertTo-Json -Depth 10)
            # Its diagnosis here skipped the secret's value, so the missing key is not even seen.
            $Done | Where-Object SecretName -eq 'repair/no-host' | Should -BeNullOrEmpty
        }

        It 'called only what docs/iam-policy-repair.json grants, and docs/iam-policy.json for the diagnosis' {
            $allowed = @(Get-PolicyAction 'iam-policy-repair.json') + @(Get-PolicyAction 'iam-policy.json')
            $Seen | Should -Contain 'lambda:AddPermission'
            $Seen | Should -Contain 'lambda:UpdateFunctionConfiguration'
            $Seen | Should -Contain 'secretsmanager:UpdateSecretVersionStage'
            $Seen | Should -Contain 'secretsmanager:RotateSecret'
            $Seen | Where-Object { $_ -notin $allowed } | Should -BeNullOrEmpty
            # A repair never reads a value: the diagnosis it makes skips it too.
            $Seen | Should -Not -Contain 'secretsmanager:GetSecretValue'
        }

        It 'leaves no finding it repaired in a new diagnosis' {
            $again = Test-SecretRotation -SecretId $Names
            foreach ($r in $Repairable) {
                ($again | Where-Object Name -eq $r.Secret).Findings.CheckId | Should -Not -Contain $r.CheckId -Because "$($r.Secret) was repaired"
            }
            foreach ($shared in 'repair/shared-a', 'repair/shared-b') {
                ($again | Where-Object Name -eq $shared).Findings.CheckId | Should -Not -Contain 'InvokePermissionMissing'
            }
            ($again | Where-Object Name -eq 'repair/disabled').RotationEnabled | Should -BeTrue
        }

        It 'has nothing left to change on a second run' {
            $second = @(Repair-SecretRotation -SecretId $Names -Confirm:$false -IncludeRotationEnable)
            # RotateSecret without rotating runs testSecret on a new AWSPENDING version, which AWS removes afterwards and
            # moto leaves: the label repair/disabled has now is moto's.
            $second | Where-Object { $_.Status -ne 'NotRepairable' -and -not ($_.SecretName -eq 'repair/disabled' -and $_.CheckId -eq 'PendingVersionStuck') } |
                Should -BeNullOrEmpty
        }
    }

    Context 'a function changed between the read and the write' {
        It 'is not overwritten: the write names the RevisionId read, Lambda refuses it, the action is Failed with an error' {
            # The proxy answers the repair's read with the function as it was (RevisionId rt-revision-read-before-...),
            # and the write that names that revision as Lambda does when the function changed since: 412.
            $proxy = Start-AwsProxy -Recorded 'repair-concurrent-change.json'
            try {
                $actions = @(Repair-SecretRotation -SecretId repair/concurrent -Confirm:$false -EndpointUrl $proxy.Url -ErrorVariable failures -ErrorAction SilentlyContinue)
                $writes = @(Get-ProxyRecord $proxy | Where-Object operation -eq 'UpdateFunctionConfiguration')
            }
            finally { Stop-AwsProxy $proxy }
            $writes | Should -HaveCount 1
            $action = Get-Action $actions 'repair/concurrent' 'FunctionTimeoutTooShort'
            $action.Status | Should -Be 'Failed'
            $action.Error | Should -Match 'PreconditionFailedException'
            $failures | Should -HaveCount 1
            $failures[0].Exception.Message | Should -Match 'PreconditionFailedException'
            (Get-RepairState 'repair/concurrent').'repair/concurrent'.function.timeout | Should -Be 5
        }
    }
}
