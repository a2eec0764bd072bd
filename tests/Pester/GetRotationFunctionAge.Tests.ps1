BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    Set-TestAwsEnvironment
    $script:Moto = Reset-TestMoto
    $script:Seed = Invoke-Scenario function_age
    # moto cannot backdate a stack: the proxy answers DescribeStacks for 'legacy-rotation-2021' from a recorded AWS response.
    $script:Proxy = Start-AwsProxy -Recorded 'legacy-stack.json'
    $PSDefaultParameterValues['Get-RotationFunctionAge:EndpointUrl'] = $Proxy.Url
}

AfterAll {
    Stop-AwsProxy $Proxy
    $PSDefaultParameterValues.Remove('Get-RotationFunctionAge:EndpointUrl')
}

Describe 'Get-RotationFunctionAge' {
    Context 'dating a function' {
        It 'takes the creation time of the stack named by the aws:cloudformation:stack-name tag' {
            $age = Get-RotationFunctionAge -FunctionName rotation-from-stack

            $age.PSObject.TypeNames | Should -Contain 'RotationTroubleshooter.RotationFunctionAge'
            $age.CreatedDateSource | Should -Be 'CloudFormationStack'
            $age.StackName | Should -Be 'orders-rotation'
            $age.CreatedDate | Should -BeGreaterThan ([datetime]::UtcNow.AddHours(-1))
            $age.PredatesTlsSupport | Should -BeFalse
            $age.PredatesScramSupport | Should -BeFalse
            $age.FunctionArn | Should -Be 'arn:aws:lambda:us-east-1:123456789012:function:rotation-from-stack'
        }

        It 'says a 2021 stack predates both TLS and SCRAM support (recorded DescribeStacks answer)' {
            $age = Get-RotationFunctionAge -FunctionName rotation-legacy-2021

            $age.CreatedDateSource | Should -Be 'CloudFormationStack'
            $age.CreatedDate | Should -Be ([datetime]::new(2021, 6, 14, 9, 21, 7, 512, [DateTimeKind]::Utc))
            $age.PredatesTlsSupport | Should -BeTrue
            $age.PredatesScramSupport | Should -BeTrue
            $age.TemplateVersion | Should -Be '1.1.55'
        }

        It 'reads the Serverless Application Repository template and version from the tags' {
            $age = Get-RotationFunctionAge -FunctionName rotation-from-sar

            $age.TemplateApplicationId | Should -Be 'arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationSingleUser'
            $age.TemplateVersion | Should -Be '1.1.367'
            $age.Evidence -join "`n" | Should -Match 'Serverless Application Repository'
        }

        It 'falls back to LastModified without a stack tag, and never answers a false "no"' {
            $age = Get-RotationFunctionAge -FunctionName rotation-no-stack-tag

            $age.CreatedDateSource | Should -Be 'LambdaLastModified'
            $age.CreatedDate | Should -Not -BeNullOrEmpty
            $age.PredatesTlsSupport | Should -BeNullOrEmpty
            $age.PredatesScramSupport | Should -BeNullOrEmpty
            $age.Evidence -join "`n" | Should -Match 'No aws:cloudformation:stack-name tag'
        }

        It 'falls back to LastModified when the tagged stack no longer exists' {
            $age = Get-RotationFunctionAge -FunctionName rotation-stack-deleted

            $age.CreatedDateSource | Should -Be 'LambdaLastModified'
            $age.StackName | Should -Be 'removed-stack'
            $age.Evidence -join "`n" | Should -Match 'no longer exists'
        }

        It 'accepts a function ARN' {
            (Get-RotationFunctionAge -FunctionName 'arn:aws:lambda:us-east-1:123456789012:function:rotation-from-stack').StackName | Should -Be 'orders-rotation'
        }
    }

    Context 'pipeline binding' {
        It 'binds secret names piped as strings' {
            $ages = 'prod/orders/db', 'prod/legacy/db' | Get-RotationFunctionAge

            $ages.FunctionName | Sort-Object | Should -Be @('rotation-from-sar', 'rotation-legacy-2021')
            ($ages | Where-Object FunctionName -eq 'rotation-from-sar').SecretArn | Should -Be $Seed.secrets.'prod/orders/db'
        }

        It 'binds objects shaped like AWS.Tools SecretListEntry by ARN (not Name)' {
            $entry = [pscustomobject]@{ ARN = $Seed.secrets.'prod/legacy/db'; Name = 'not-used-for-binding' }

            ($entry | Get-RotationFunctionAge).FunctionName | Should -Be 'rotation-legacy-2021'
        }

        It 'binds the DescribeSecret shape (ARN and RotationLambdaARN) as a secret' {
            $described = [pscustomobject]@{ ARN = $Seed.secrets.'prod/orders/db'; Name = 'prod/orders/db'; RotationLambdaARN = 'arn:aws:lambda:us-east-1:123456789012:function:rotation-from-sar' }

            $age = $described | Get-RotationFunctionAge
            $age.SecretArn | Should -Be $Seed.secrets.'prod/orders/db'
        }

        It 'binds Lambda function objects by FunctionName, FunctionArn or RotationLambdaARN' {
            $byName = [pscustomobject]@{ FunctionName = 'rotation-from-stack' } | Get-RotationFunctionAge
            $byArn = [pscustomobject]@{ FunctionArn = 'arn:aws:lambda:us-east-1:123456789012:function:rotation-from-sar' } | Get-RotationFunctionAge
            $byRotation = [pscustomobject]@{ RotationLambdaARN = 'arn:aws:lambda:us-east-1:123456789012:function:rotation-legacy-2021' } | Get-RotationFunctionAge

            $byName.FunctionName | Should -Be 'rotation-from-stack'
            $byArn.FunctionName | Should -Be 'rotation-from-sar'
            $byRotation.FunctionName | Should -Be 'rotation-legacy-2021'
        }

        It 'fetches a function shared by several secrets once per run' {
            $counting = Start-AwsProxy -Recorded 'legacy-stack.json'
            try {
                $ages = 'prod/orders/db', 'prod/orders/db', $Seed.secrets.'prod/orders/db' | Get-RotationFunctionAge -EndpointUrl $counting.Url
                $ages | Should -HaveCount 3
                $counts = Get-ProxyCount $counting
                $counts['lambda:GetFunction'] | Should -Be 1
                $counts['cloudformation:DescribeStacks'] | Should -Be 1
            }
            finally { Stop-AwsProxy $counting }
        }
    }

    Context 'errors' {
        It 'answers every other item when one is missing, with stable error ids and categories' {
            $ages = 'prod/orders/db', 'prod/does-not-exist', 'arn:aws:secretsmanager:bad', 'prod/no-rotation', 'prod/legacy/db' |
                Get-RotationFunctionAge -ErrorVariable failures -ErrorAction SilentlyContinue

            $ages | Should -HaveCount 2
            $failures | Should -HaveCount 3
            $byId = $failures | Group-Object { $_.FullyQualifiedErrorId.Split(',')[0] } -AsHashTable
            $byId['SecretNotFound'].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $byId['SecretNotFound'].TargetObject | Should -Be 'prod/does-not-exist'
            $byId['InvalidArn'].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $byId['RotationNotConfigured'].Exception.Message | Should -Match 'has no rotation function'
        }

        It 'reports a missing function as FunctionNotFound' {
            Get-RotationFunctionAge -FunctionName no-such-function -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'FunctionNotFound,*'
            $failure[0].Exception.Message | Should -Match "no-such-function.*was not found in us-east-1"
        }

        It 'reports a denied call as PermissionDenied and names the action' {
            $denied = Start-AwsProxy -Recorded 'denied.json'
            try {
                Get-RotationFunctionAge -SecretId prod/denied/db -EndpointUrl $denied.Url -ErrorVariable failure -ErrorAction SilentlyContinue
                $failure[0].FullyQualifiedErrorId | Should -BeLike 'AwsAccessDenied,*'
                $failure[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
                $failure[0].Exception.IamAction | Should -Be 'secretsmanager:DescribeSecret'
            }
            finally { Stop-AwsProxy $denied }
        }

        It 'still dates the function from LastModified when DescribeStacks is denied, and says why' {
            $denied = Start-AwsProxy -Recorded 'denied.json'
            try {
                $age = Get-RotationFunctionAge -FunctionName rotation-from-stack -EndpointUrl $denied.Url
                $age.CreatedDateSource | Should -Be 'LambdaLastModified'
                $age.Evidence -join "`n" | Should -Match 'cloudformation:DescribeStacks was denied'
            }
            finally { Stop-AwsProxy $denied }
        }
    }

    Context 'display' {
        It 'shows a table with the function, the date, its source and both verdicts' {
            $text = Get-RotationFunctionAge -FunctionName rotation-legacy-2021, rotation-no-stack-tag | Out-String -Width 120

            $text | Should -Match 'FunctionName\s+CreatedDate\s+CreatedDateSource\s+PredatesTlsSupport\s+PredatesScramSupport\s+TemplateVersion'
            $text | Should -Match 'rotation-legacy-2021\s+2021-06-14\s+CloudFormationStack\s+True\s+True\s+1.1.55'
            $text | Should -Match 'rotation-no-stack-tag\s+\d{4}-\d\d-\d\d\s+LambdaLastModified\s+unknown\s+unknown'
            $text -split "`n" | ForEach-Object { $_.TrimEnd().Length } | Measure-Object -Maximum | ForEach-Object Maximum | Should -BeLessOrEqual 120
        }
    }
}
