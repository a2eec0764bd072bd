# Named to run first: AWSSDK.Core reads AWS_PROFILE and the shared config file's location once per process, so these
# specs set them before any other spec resolves credentials in the same pwsh.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    Set-TestAwsEnvironment
    $script:Moto = Reset-TestMoto
    Invoke-Scenario function_age | Out-Null
    $script:Folder = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "rt-conn-$([guid]::NewGuid())")
    $script:CredentialsFile = Join-Path $Folder 'credentials'
    $script:ConfigFile = Join-Path $Folder 'config'
    Set-Content $CredentialsFile @"
[team]
aws_access_key_id = AKIATEAMPROFILE00001
aws_secret_access_key = team-secret-canary-value
[base]
aws_access_key_id = AKIABASEPROFILE00001
aws_secret_access_key = base-secret
"@
    Set-Content $ConfigFile @"
[profile team]
region = us-east-1
[profile assumer]
role_arn = arn:aws:iam::123456789012:role/auditor
source_profile = base
region = us-east-1
"@
    $env:AWS_SHARED_CREDENTIALS_FILE = $CredentialsFile
    $env:AWS_CONFIG_FILE = $ConfigFile

    # Stand-ins with the shapes AWS.Tools puts in $StoredAWSCredentials / -Credential: .NET types foreign to the module.
    if (-not ('RtTest.StandInCredentials' -as [type])) {
        Add-Type -TypeDefinition @'
namespace RtTest {
    public sealed class StandInImmutable { public string AccessKey { get; set; } public string SecretKey { get; set; } public string Token { get; set; } }
    public sealed class StandInCredentials {
        private readonly string _key;
        public StandInCredentials(string key) { _key = key; }
        public StandInImmutable GetCredentials() { return new StandInImmutable { AccessKey = _key, SecretKey = "stand-in-secret" }; }
    }
    public sealed class StandInPSCredentials { public object Credentials { get; set; } public string Name { get { return "stored"; } } }
}
'@
    }

    function Invoke-WithoutEnvironmentKeys([scriptblock] $Script) {
        $saved = $env:AWS_ACCESS_KEY_ID, $env:AWS_SECRET_ACCESS_KEY, $env:AWS_REGION
        Remove-Item Env:AWS_ACCESS_KEY_ID, Env:AWS_SECRET_ACCESS_KEY, Env:AWS_REGION
        try { & $Script } finally { $env:AWS_ACCESS_KEY_ID, $env:AWS_SECRET_ACCESS_KEY, $env:AWS_REGION = $saved }
    }
}

AfterAll {
    Remove-Item Env:AWS_SHARED_CREDENTIALS_FILE, Env:AWS_CONFIG_FILE -ErrorAction SilentlyContinue
    Remove-Variable StoredAWSCredentials, StoredAWSRegion -Scope Global -ErrorAction SilentlyContinue
    Remove-Item $Folder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Credentials, region and endpoint as AWS.Tools resolves them' {
    AfterEach { Remove-Variable StoredAWSCredentials, StoredAWSRegion -Scope Global -ErrorAction SilentlyContinue }

    It 'uses -ProfileName and the profile''s region, and -Debug names the source without the keys' {
        Invoke-WithoutEnvironmentKeys {
            $records = Get-RotationFunctionAge -FunctionName rotation-from-stack -ProfileName team -EndpointUrl $Moto -Debug -Verbose *>&1
            ($records | Where-Object StackName).StackName | Should -Be 'orders-rotation'
            $debug = $records | Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | Out-String
            $debug | Should -Match "credentials from profile 'team' \(-ProfileName\); region us-east-1 from profile 'team'"
            $records | Out-String | Should -Not -Match 'AKIATEAMPROFILE00001|team-secret-canary-value'
        }
    }

    It 'uses $StoredAWSCredentials naming a profile and $StoredAWSRegion (Set-AWSCredential / Set-DefaultAWSRegion)' {
        Invoke-WithoutEnvironmentKeys {
            $global:StoredAWSCredentials = 'team'
            $global:StoredAWSRegion = 'us-east-1'
            $out = Get-RotationFunctionAge -FunctionName rotation-from-stack -EndpointUrl $Moto -Debug -Verbose *>&1 | Out-String
            $out | Should -Match "profile 'team' \(\`$StoredAWSCredentials\)"
            $out | Should -Match 'StoredAWSRegion'
        }
    }

    It 'uses a credentials object in $StoredAWSCredentials, read by shape' {
        Invoke-WithoutEnvironmentKeys {
            $global:StoredAWSCredentials = [RtTest.StandInPSCredentials]@{ Credentials = [RtTest.StandInCredentials]::new('AKIASTANDIN000000001') }
            $out = Get-RotationFunctionAge -FunctionName rotation-from-stack -Region us-east-1 -EndpointUrl $Moto -Debug -Verbose *>&1 | Out-String
            $out | Should -Match 'Set-AWSCredential'
            $out | Should -Match 'rotation-from-stack'
        }
    }

    It 'lets -Credential win over $StoredAWSCredentials' {
        Invoke-WithoutEnvironmentKeys {
            $global:StoredAWSCredentials = 'no-such-profile'
            $out = Get-RotationFunctionAge -FunctionName rotation-from-stack -Region us-east-1 -EndpointUrl $Moto -Credential ([RtTest.StandInCredentials]::new('AKIASTANDIN000000002')) -Debug -Verbose *>&1 | Out-String
            $out | Should -Match 'the -Credential parameter'
        }
    }

    It 'uses AWS_PROFILE' {
        Invoke-WithoutEnvironmentKeys {
            $env:AWS_PROFILE = 'team'
            try { (Get-RotationFunctionAge -FunctionName rotation-from-stack -EndpointUrl $Moto).StackName | Should -Be 'orders-rotation' }
            finally { Remove-Item Env:AWS_PROFILE }
        }
    }

    It 'resolves an assume-role profile through STS as AWSSDK.Core does' {
        Invoke-WithoutEnvironmentKeys {
            $env:AWS_ENDPOINT_URL_STS = $Moto
            try {
                $out = Get-RotationFunctionAge -FunctionName rotation-from-stack -ProfileName assumer -EndpointUrl $Moto -Debug -Verbose *>&1 | Out-String
                $out | Should -Match 'rotation-from-stack'
            }
            finally { Remove-Item Env:AWS_ENDPOINT_URL_STS }
        }
    }

    It 'stops once, before any item, when there are no credentials, and says where it looked' {
        Invoke-WithoutEnvironmentKeys {
            $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $Folder 'empty'
            $env:AWS_CONFIG_FILE = Join-Path $Folder 'empty'
            try {
                $stopped = $null
                try { 'prod/orders/db', 'prod/legacy/db' | Get-RotationFunctionAge -Region us-east-1 -EndpointUrl $Moto -ErrorVariable failures }
                catch { $stopped = $_ }
                $stopped.FullyQualifiedErrorId | Should -BeLike 'CredentialsNotFound,*'
                $stopped.CategoryInfo.Category | Should -Be 'AuthenticationError'
                $stopped.Exception.Message | Should -Match 'Looked in: .*\$StoredAWSCredentials.*AWS_PROFILE'
                $failures | Should -HaveCount 1
            }
            finally { $env:AWS_SHARED_CREDENTIALS_FILE = $CredentialsFile; $env:AWS_CONFIG_FILE = $ConfigFile }
        }
    }

    It 'stops once with what to do when there is no region (or no such profile)' -ForEach @(
        @{ Parameters = @{ AccessKey = 'AKIAEXAMPLE'; SecretKey = 'x' }; ErrorId = 'RegionNotFound'; Text = 'Pass -Region' }
        @{ Parameters = @{ ProfileName = 'no-such-profile' }; ErrorId = 'CredentialsNotFound'; Text = "Profile 'no-such-profile' was not found" }
    ) {
        Invoke-WithoutEnvironmentKeys {
            $stopped = $null
            try { 'prod/orders/db', 'prod/legacy/db', 'prod/other/db' | Test-SecretRotation @Parameters -EndpointUrl $Moto -ErrorVariable failures }
            catch { $stopped = $_ }
            $stopped.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
            $stopped.Exception.Message | Should -Match $Text
            $failures | Should -HaveCount 1
        }
    }

    It 'refuses a -Credential that is not AWS credentials (<Case>), instead of using other credentials' -ForEach @(
        @{ Case = 'a profile name'; Value = 'prod'; Hint = 'For a profile, use -ProfileName' }
        @{ Case = 'a PSCredential'; Value = [pscredential]::new('AKIAUSER', (ConvertTo-SecureString 'not-a-key' -AsPlainText -Force)); Hint = 'pass the keys with -AccessKey and -SecretKey' }
        @{ Case = 'a hashtable'; Value = @{ AccessKey = 'AKIAUSER'; SecretKey = 'not-a-key' }; Hint = 'Get-AWSCredential or New-AWSCredential' }
    ) {
        $refused = $null
        try { Get-RotationFunctionAge -FunctionName rotation-from-stack -EndpointUrl $Moto -Credential $Value }
        catch { $refused = $_ }
        $refused.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        $refused.Exception.Message | Should -Match "Cannot validate argument on parameter 'Credential'\. -Credential takes AWS credentials"
        $refused.Exception.Message | Should -Match ([regex]::Escape($Hint))
        $refused.Exception.Message | Should -Not -Match 'not-a-key|AKIAUSER|prod'
    }

    It 'follows AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE and AWS_PROFILE changed later in the session' {
        Invoke-WithoutEnvironmentKeys {
            # Both files were read earlier in this process (the specs above); these are new ones.
            $later = New-Item -ItemType Directory (Join-Path $Folder 'later')
            Set-Content (Join-Path $later 'credentials') "[later]`naws_access_key_id = AKIALATERPROFILE0001`naws_secret_access_key = later-secret"
            Set-Content (Join-Path $later 'config') "[profile later]`nregion = us-east-1"
            $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $later 'credentials'
            $env:AWS_CONFIG_FILE = Join-Path $later 'config'
            $env:AWS_PROFILE = 'later'
            try {
                $records = Get-RotationFunctionAge -FunctionName rotation-from-stack -EndpointUrl $Moto -Debug -Verbose *>&1
                ($records | Where-Object StackName).StackName | Should -Be 'orders-rotation'
                $debug = $records | Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | Out-String
                $debug | Should -Match "credentials from profile 'later' \(AWS_PROFILE\); region us-east-1 from profile 'later'"
            }
            finally {
                Remove-Item Env:AWS_PROFILE
                $env:AWS_SHARED_CREDENTIALS_FILE = $CredentialsFile; $env:AWS_CONFIG_FILE = $ConfigFile
            }
        }
    }

    It 'names every endpoint override in -Debug' {
        $env:AWS_ENDPOINT_URL = $Moto
        $env:AWS_ENDPOINT_URL_LAMBDA = $Moto
        try {
            $debug = Get-RotationFunctionAge -FunctionName rotation-from-stack -Debug -Verbose 5>&1 4>$null |
                Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message
            $debug | Should -Contain "Endpoint of lambda: $Moto/ (from AWS_ENDPOINT_URL_LAMBDA)."
            foreach ($service in 'secretsmanager', 'logs', 'cloudformation', 'rds', 'redshift', 'redshift-serverless', 'ec2', 'iam', 'kms', 'cloudtrail', 'sts', 'organizations') {
                $debug | Should -Contain "Endpoint of ${service}: $Moto/ (from AWS_ENDPOINT_URL)."
            }
            $debug = Get-RotationFunctionAge -FunctionName rotation-from-stack -EndpointUrl $Moto -Debug -Verbose 5>&1 4>$null |
                Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message
            ($debug | Where-Object { $_ -like 'Endpoint of *(from -EndpointUrl).' }) | Should -HaveCount 13
        }
        finally { Remove-Item Env:AWS_ENDPOINT_URL, Env:AWS_ENDPOINT_URL_LAMBDA }
    }

    It 'sends Lambda calls to AWS_ENDPOINT_URL_LAMBDA and the rest to AWS_ENDPOINT_URL' {
        $proxy = Start-AwsProxy
        $env:AWS_ENDPOINT_URL = $Moto
        $env:AWS_ENDPOINT_URL_LAMBDA = $proxy.Url
        try {
            (Get-RotationFunctionAge -SecretId prod/orders/db).FunctionName | Should -Be 'rotation-from-sar'
            $counts = Get-ProxyCount $proxy
            $counts['lambda:GetFunction'] | Should -Be 1
            $counts.Keys | Where-Object { $_ -notlike 'lambda:*' } | Should -BeNullOrEmpty
        }
        finally {
            Remove-Item Env:AWS_ENDPOINT_URL, Env:AWS_ENDPOINT_URL_LAMBDA
            Stop-AwsProxy $proxy
        }
    }

    It 'rejects an -EndpointUrl that is not a URL, clearly and once' {
        $stopped = $null
        try { 'rotation-from-stack', 'rotation-from-sar' | Get-RotationFunctionAge -EndpointUrl 'localhost:4566' }
        catch { $stopped = $_ }
        $stopped.FullyQualifiedErrorId | Should -BeLike 'InvalidEndpointUrl,*'
    }
}
