# Least privilege (README "Safety"): the policy in docs/iam-policy.json is enough, and a missing permission is named.
# A moto of its own enforces IAM and checks SigV4 (INITIAL_NO_AUTH_ACTION_COUNT); an 'auditor' user holds exactly the
# policy. moto refuses every Lambda REST call in that mode (SignatureDoesNotMatch, even from the aws CLI), so Lambda
# goes to the shared moto, seeded with the same functions, through a recording proxy: the Lambda part of the policy
# is checked against the operations seen, here and in Safety.Tests.ps1 (which checks the policy is no wider).
BeforeDiscovery {
    $policy = Get-Content (Join-Path $PSScriptRoot '../../docs/iam-policy.json') -Raw | ConvertFrom-Json
    # The actions this moto can enforce: Lambda's are covered by the recording proxy, kms:Decrypt is used by Secrets
    # Manager on the caller's behalf. moto 5.2.1 has no CloudTrail LookupEvents to enforce (GetRotationHistory.Tests.ps1
    # proves a denied cloudtrail:LookupEvents is named, through the proxy's recorded denial).
    # Those no case reaches are left out here as in Safety.Tests.ps1.
    # The database record's reads follow a failed login to an AWS endpoint, which no safety case has (Safety.Tests.ps1).
    $unreached = @('ec2:DescribeVpcPeeringConnections', 'rds:DescribeDBSubnetGroups') + @(($policy.Statement | Where-Object Sid -eq 'ReadDatabaseRecords').Action)
    # Only saves requests: without it nothing is missing (its own test below).
    $script:Accelerator = 'secretsmanager:BatchGetSecretValue'
    $script:EnforcedActions = @($policy.Statement | Where-Object { -not $_.Condition } | ForEach-Object { $_.Action } |
        Where-Object { $_ -notlike 'lambda:*' -and $_ -notlike 'cloudtrail:*' -and $_ -notin $unreached -and $_ -ne $Accelerator } | ForEach-Object { @{ Action = $_ } })
    $script:CaseTable = @(& (Join-Path $PSScriptRoot 'Safety/SafetyCases.ps1') | Where-Object { $_.LeastPrivilege -ne $false -and -not $_.Recorded })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    . (Join-Path $PSScriptRoot 'Safety/SafetyHelpers.ps1')
    Set-TestAwsEnvironment
    $script:Root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    Import-Module (Join-Path $Root 'tests/TestServices.psm1')   # Start-Moto, Stop-ServerProcess
    $script:PolicyFile = Join-Path $Root 'docs/iam-policy.json'
    $script:Cases = @(& (Join-Path $PSScriptRoot 'Safety/SafetyCases.ps1') | Where-Object { $_.LeastPrivilege -ne $false -and -not $_.Recorded })

    # The seed and the users are made inside the unauthenticated window; least_privilege.py uses up the rest of it.
    $script:Enforcing = Start-Moto (Join-Path ([IO.Path]::GetTempPath()) "rt-iam-moto-$PID") @{ INITIAL_NO_AUTH_ACTION_COUNT = '400' }
    $script:Seed = Invoke-Scenario safety -Endpoint $Enforcing.Url
    # The shared moto serves Lambda: the same functions, in a VPC whose ids are the enforcing moto's.
    $script:Shared = Reset-TestMoto
    $script:Code = Join-Path ([IO.Path]::GetTempPath()) "rt-iam-code-$PID"
    $env:RT_SAFETY_CODE_DIR = $Code
    $env:RT_SAFETY_VPC = $Seed.vpc | ConvertTo-Json -Compress
    try { Invoke-Scenario safety | Out-Null } finally { Remove-Item Env:RT_SAFETY_CODE_DIR, Env:RT_SAFETY_VPC }
    $env:RT_MOTO_URL, $shared = $Enforcing.Url, $env:RT_MOTO_URL
    try {
        $users = python3 (Join-Path $Root 'tests/scenarios/least_privilege.py') bootstrap $PolicyFile | ConvertFrom-Json
        if ($LASTEXITCODE) { throw 'least_privilege.py bootstrap failed' }
    }
    finally { $env:RT_MOTO_URL = $shared }
    $script:Admin = $users.admin
    $script:LambdaProxy = Start-AwsProxy -Upstream $Shared -CodeDirectory $Code

    function Set-AuditorPolicy([string] $Without) {
        $env:RT_MOTO_URL, $shared = $Enforcing.Url, $env:RT_MOTO_URL
        try { python3 (Join-Path $Root 'tests/scenarios/least_privilege.py') policy $PolicyFile $Admin.key $Admin.secret $Without | Out-Null }
        finally { $env:RT_MOTO_URL = $shared }
        if ($LASTEXITCODE) { throw "least_privilege.py policy $Without failed" }
    }

    <# What a run says about calls it could not make: denied errors, skipped checks, evidence of a denial. #>
    function Get-DenialLine($Run) {
        @(
            (Get-CaseText $Run) -split "`n" | Where-Object { $_ -match '(?i)\bdenied\b|not authorized|could not run' }
            # moto answers a denied JSON call in XML, so the message is only "<action> failed: 403"; the category says it.
            $Run.Errors | Where-Object { $_.CategoryInfo.Category -eq 'PermissionDenied' } | ForEach-Object { $_.Exception.Message }
        ) | ForEach-Object Trim | Sort-Object -Unique
    }

    function Invoke-AsAuditor {
        $results = [ordered]@{}
        foreach ($case in $Cases) { $results["$($case.Cmdlet): $($case.Name)"] = Invoke-SafetyCase $case $Seed }
        $results
    }

    $env:AWS_ACCESS_KEY_ID = $users.auditor.key
    $env:AWS_SECRET_ACCESS_KEY = $users.auditor.secret
    $env:AWS_ENDPOINT_URL = $Enforcing.Url
    $env:AWS_ENDPOINT_URL_LAMBDA = $LambdaProxy.Url
    $script:Full = Invoke-AsAuditor
}

AfterAll {
    Remove-Item Env:AWS_ENDPOINT_URL, Env:AWS_ENDPOINT_URL_LAMBDA -ErrorAction SilentlyContinue
    Set-TestAwsEnvironment
    if ($LambdaProxy) { Stop-AwsProxy $LambdaProxy }
    if ($Enforcing) { Stop-ServerProcess $Enforcing.Process }
    if ($Code) { Remove-Item $Code -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Least privilege: the documented policy' {
    It 'is enforced here: an unknown key gets nothing' {
        $d = Test-SecretRotation -SecretId safety/rotated -AccessKey AKIAUNKNOWNUNKNOWN00 -SecretKey nope
        $d.Status | Should -Be 'Unknown'
        $d.Findings.Message | Should -Match 'secretsmanager:DescribeSecret'
    }

    It '<Cmdlet>: <Name> works with exactly the policy: nothing skipped, nothing denied' -ForEach $CaseTable {
        $run = $Full["$($Cmdlet): $Name"]
        $run.Terminating | Should -BeNullOrEmpty
        $run.Results | Should -Not -BeNullOrEmpty
        # The network path was really checked, with EC2 enforcing the policy.
        $run.Results.Findings | Where-Object CheckId -eq NetworkPathNotChecked | ForEach-Object { $_.Evidence } | Should -BeNullOrEmpty
        $run.Errors | Where-Object { $_.CategoryInfo.Category -eq 'PermissionDenied' } | ForEach-Object { Get-ErrorText $_ } | Should -BeNullOrEmpty
        $run.Results.Findings | Where-Object CheckId -eq CheckSkipped | ForEach-Object Message | Should -BeNullOrEmpty
        Get-DenialLine $run | Should -BeNullOrEmpty
    }

    It 'used Lambda only through the actions the policy grants' {
        $lambda = @(Get-SeenAction (Get-ProxyRecord $LambdaProxy))
        $lambda | Should -Not -BeNullOrEmpty
        $granted = @((Get-Content $PolicyFile -Raw | ConvertFrom-Json).Statement.Action | Where-Object { $_ -like 'lambda:*' })
        $lambda | Where-Object { $_ -notin $granted } | Should -BeNullOrEmpty
    }
}

Describe 'Least privilege: one permission removed at a time' {
    AfterAll { Set-AuditorPolicy }

    It 'without <Action>, every run completes and names <Action> where a check could not run' -ForEach $EnforcedActions {
        Set-AuditorPolicy $Action
        $runs = Invoke-AsAuditor
        $named = $false
        foreach ($run in $runs.Values) {
            $run.Terminating | Should -BeNullOrEmpty
            ($run.Results.Count + $run.Errors.Count) | Should -BeGreaterThan 0
            # Each denial names the action that was removed (so none names another one).
            $denials = @(Get-DenialLine $run)
            foreach ($denial in $denials) { $denial | Should -Match ([regex]::Escape($Action)) }
            if ($denials) { $named = $true }
        }
        $named | Should -BeTrue -Because "some case needs $Action"
    }

    It 'without secretsmanager:BatchGetSecretValue, every run reads the values one by one, says so, and finds the same' {
        Set-AuditorPolicy $Accelerator
        $runs = Invoke-AsAuditor
        foreach ($key in $runs.Keys) {
            $run = $runs[$key]
            $run.Terminating | Should -BeNullOrEmpty
            Get-DenialLine $run | Should -BeNullOrEmpty -Because $key
            $run.Results.Findings | Where-Object CheckId -eq CheckSkipped | ForEach-Object Message | Should -BeNullOrEmpty -Because $key
            @($run.Results | ForEach-Object { "$($_.Name) $($_.Status)" }) | Should -Be @($Full[$key].Results | ForEach-Object { "$($_.Name) $($_.Status)" }) -Because $key
        }
        $listing = $runs['Test-SecretRotation: every secret']
        @($listing.Records | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message -match
            '^secretsmanager:BatchGetSecretValue was refused \(AccessDenied\w*\), so each secret''s value is read with secretsmanager:GetSecretValue\.$' |
            Should -HaveCount 1
    }
}
