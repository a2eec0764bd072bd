# Fan-out in real pwsh against moto: several regions, several accounts (reached through an assumed role), the whole
# organisation (Organizations ListAccounts), and a shard whose role may not be assumed while the others finish.
# Seeded through boto3 (tests/scenarios/fleet.py); moto's STS lets a role in any account be assumed, so the denial is
# a recorded AWS answer served by the loopback proxy (tests/fakes/recorded/fleet-assume-denied.json).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    Set-TestAwsEnvironment
    $script:Moto = Reset-TestMoto
    $env:AWS_ENDPOINT_URL = $Moto
    $script:Org = Invoke-Scenario fleet -ArgumentList org, us-east-1, eu-west-1

    <# The shards' secrets in the order the fleet must return them: accounts as planned, regions as given, listing order. #>
    function Get-Expected([string[]] $Accounts, [string[]] $Regions) {
        foreach ($a in $Accounts) { foreach ($r in $Regions) { $Org.secrets."$a/$r" } }
    }
}

AfterAll { Remove-Item Env:AWS_ENDPOINT_URL -ErrorAction SilentlyContinue }

Describe 'Test-SecretRotation over an organisation' {
    BeforeAll {
        $script:Diagnoses = @(Test-SecretRotation -OrganizationRoleName RotationAuditor -Region us-east-1, eu-west-1 -ErrorVariable script:Errors)
    }

    It 'diagnoses every secret of the three ACTIVE accounts in both regions, grouped by account then region, in listing order' {
        $Org.accounts.Count | Should -Be 3
        $Errors | Should -BeNullOrEmpty
        $Diagnoses.SecretArn | Should -Be @(Get-Expected $Org.accounts 'us-east-1', 'eu-west-1')
    }

    It 'gives each diagnosis the account and region it was diagnosed in' {
        foreach ($d in $Diagnoses) {
            $d.SecretArn | Should -Match ":secretsmanager:$($d.Region):$($d.AccountId):secret:fleet/$($d.Region)/"
        }
        ($Diagnoses | Group-Object AccountId).Count | Should -Be 3
        $Diagnoses.Region | Select-Object -Unique | Should -Be 'us-east-1', 'eu-west-1'
    }

    It 'says which shards it planned with -Verbose' {
        $verbose = Test-SecretRotation -OrganizationRoleName RotationAuditor -Region eu-west-1 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose -join "`n") | Should -Match "3 shard\(s\): 123456789012/eu-west-1, $($Org.accounts[1])/eu-west-1, $($Org.accounts[2])/eu-west-1\."
    }
}

Describe 'Test-SecretRotation over regions and chosen accounts' {
    It 'diagnoses the caller''s account in several regions with its own credentials, region after region' {
        $d = @(Test-SecretRotation -Region eu-west-1, us-east-1 -ErrorAction Stop)
        $d.SecretArn | Should -Be @(Get-Expected '123456789012' 'eu-west-1', 'us-east-1')
    }

    It 'diagnoses the accounts given with -AccountId, in that order, the others through the role' {
        $accounts = $Org.accounts[2], '123456789012'
        $d = @(Test-SecretRotation -AccountId $accounts -OrganizationRoleName RotationAuditor -Region us-east-1 -ErrorAction Stop)
        $d.SecretArn | Should -Be @(Get-Expected $accounts 'us-east-1')
    }

    It 'diagnoses names given with -SecretId in each shard' {
        $d = @(Test-SecretRotation -SecretId fleet/us-east-1/b -AccountId $Org.accounts[1], $Org.accounts[2] -OrganizationRoleName RotationAuditor -Region us-east-1 -ErrorAction Stop)
        $d.SecretArn | Should -Be @($Org.secrets."$($Org.accounts[1])/us-east-1"[1], $Org.secrets."$($Org.accounts[2])/us-east-1"[1])
    }

    It 'refuses another account without a role to assume there, before any work' {
        { Test-SecretRotation -AccountId 210987654321 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidFleet,RotationTroubleshooter.Commands.TestSecretRotationCommand'
    }

    It 'refuses several regions where a cmdlet changes AWS one resource at a time' {
        { Start-SecretRotation -SecretId fleet/us-east-1/a -Region us-east-1, eu-west-1 -WhatIf -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidFleet,RotationTroubleshooter.Commands.StartSecretRotationCommand'
    }
}

Describe 'A shard that fails' {
    BeforeAll {
        $script:Proxy = Start-AwsProxy -Upstream $Moto -Recorded fleet-assume-denied.json
        $accounts = '123456789012', '999999999999', $Org.accounts[1]
        $script:Denied = @(Test-SecretRotation -EndpointUrl $Proxy.Url -AccountId $accounts -OrganizationRoleName RotationAuditor -Region us-east-1, eu-west-1 -ErrorVariable script:ShardErrors -ErrorAction SilentlyContinue)
    }
    AfterAll { Stop-AwsProxy $Proxy }

    It 'is one error per shard, naming its account and region, with a stable id' {
        $ShardErrors.Count | Should -Be 2
        $ShardErrors.FullyQualifiedErrorId | Sort-Object -Unique | Should -Be 'ShardFailed,RotationTroubleshooter.Commands.TestSecretRotationCommand'
        $ShardErrors[0].Exception.Message | Should -Match '^Account 999999999999, region us-east-1: .*not authorized to perform: sts:AssumeRole'
        $ShardErrors[1].Exception.Message | Should -Match '^Account 999999999999, region eu-west-1: '
        $ShardErrors.CategoryInfo.Category | Sort-Object -Unique | Should -Be 'PermissionDenied'
        $ShardErrors[0].TargetObject.AccountId | Should -Be '999999999999'
    }

    It 'lets the other shards finish, in order' {
        $Denied.SecretArn | Should -Be @(Get-Expected '123456789012', $Org.accounts[1] 'us-east-1', 'eu-west-1')
    }
}
