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
            $records = Get-RotationFunctionAge -FunctionName rotation-from-stack -ProfileName team -EndpointUrl $Moto -Debug *>&1
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
            $out = Get-RotationFunctionAge -FunctionName rotation-from-stack -EndpointUrl $Moto -Debug *>&1 | Out-String
            $out | Should -Match "profile 'team' \(\`$StoredAWSCredentials\)"
            $out | Should -Match 'StoredAWSRegion'
        }
    }

    It 'uses a credentials object in $StoredAWSCredentials, read by shape' {
        Invoke-WithoutEnvironmentKeys {
            $global:StoredAWSCredentials = [RtTest.StandInPSCredentials]@{ Credentials = [RtTest.StandInCredentials]::new('AKIASTANDIN000000001') }
            $out = Get-RotationFunctionAge -FunctionName rotation-from-stack -Region us-east-1 -EndpointUrl $Moto -Debug *>&1 | Out-String
            $out | Should -Match 'Set-AWSCredential'
            $out | Should -Match 'rotation-from-stack'
        }
    }

    It 'lets -Credential win over $StoredAWSCredentials' {
        Invoke-WithoutEnvironmentKeys {
            $global:StoredAWSCredentials = 'no-such-profile'
            $out = Get-RotationFunctionAge -FunctionName rotation-from-stack -Region us-east-1 -EndpointUrl $Moto -Credential ([RtTest.StandInCredentials]::new('AKIASTANDIN000000002')) -Debug *>&1 | Out-String
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
                $out = Get-RotationFunctionAge -FunctionName rotation-from-stack -ProfileName assumer -EndpointUrl $Moto -Debug *>&1 | Out-String
                $out | Should -Match 'rotation-from-stack'
            }
            finally { Remove-Item Env:AWS_ENDPOINT_URL_STS }
        }
    }

    It 'says where it looked when there are no credentials, for every item' {
        Invoke-WithoutEnvironmentKeys {
            $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $Folder 'empty'
            $env:AWS_CONFIG_FILE = Join-Path $Folder 'empty'
            try {
                'prod/orders/db', 'prod/legacy/db' | Get-RotationFunctionAge -Region us-east-1 -EndpointUrl $Moto -ErrorVariable failures -ErrorAction SilentlyContinue
                $failures | Should -HaveCount 2
                $failures[0].FullyQualifiedErrorId | Should -BeLike 'CredentialsNotFound,*'
                $failures[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
                $failures[0].Exception.Message | Should -Match 'Looked in: .*\$StoredAWSCredentials.*AWS_PROFILE'
            }
            finally { $env:AWS_SHARED_CREDENTIALS_FILE = $CredentialsFile; $env:AWS_CONFIG_FILE = $ConfigFile }
        }
    }

    It 'says what to do when there is no region' {
        Invoke-WithoutEnvironmentKeys {
            Get-RotationFunctionAge -FunctionName rotation-from-stack -AccessKey AKIAEXAMPLE -SecretKey x -EndpointUrl $Moto -ErrorVariable failure -ErrorAction SilentlyContinue
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'RegionNotFound,*'
            $failure[0].Exception.Message | Should -Match 'Pass -Region'
        }
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

    It 'rejects an -EndpointUrl that is not a URL, clearly' {
        Get-RotationFunctionAge -FunctionName rotation-from-stack -EndpointUrl 'localhost:4566' -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'InvalidEndpointUrl,*'
    }
}
