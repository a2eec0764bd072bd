<#
Every exported cmdlet, and the invocations that exercise it in the safety suites (secret canary, read-only,
least privilege, faults): happy paths and failure paths. Adding a cmdlet to the module means adding its lines here;
the suites fail for an exported cmdlet without a line.

Each case: Cmdlet, Name, Script (a scriptblock taking the seed printed by tests/scenarios/safety.py; it must not pass
-EndpointUrl, the suites point the module at moto or a proxy through AWS_ENDPOINT_URL*), and optionally Recorded (a
file of tests/fakes/recorded/ that the proxy answers from: denied calls, malformed answers) and LeastPrivilege
(false when the case needs recorded answers or a missing thing, so it says nothing about permissions).
#>
@(
    @{ Cmdlet = 'Test-SecretRotation'; Name = 'every secret'; Script = { param($Seed) Test-SecretRotation -All } }
    @{ Cmdlet = 'Test-SecretRotation'; Name = 'each seeded secret piped by ARN'
        Script = { param($Seed) $Seed.secrets.PSObject.Properties.Value | Test-SecretRotation } }
    @{ Cmdlet = 'Test-SecretRotation'; Name = 'a missing secret'; LeastPrivilege = $false
        Script = { param($Seed) Test-SecretRotation -SecretId safety/no-such-secret } }
    @{ Cmdlet = 'Test-SecretRotation'; Name = 'names with spaces and unicode, a malformed ARN, an ARN of an unknown region'; LeastPrivilege = $false
        Script = { param($Seed) 'safety/name with spaces', "safety/$([char]0x00FC)n$([char]0x00EF)c$([char]0x00F6)de-$([char]0x2713)", 'arn:aws:secretsmanager:us-east-1:secret', 'arn:aws:secretsmanager:xx-nowhere-9:123456789012:secret:safety/rotated-AbCdEf' | Test-SecretRotation } }
    @{ Cmdlet = 'Test-SecretRotation'; Name = 'denied calls'; Recorded = 'safety-denied.json'; LeastPrivilege = $false
        Script = { param($Seed) $Seed.secrets.PSObject.Properties.Value | Test-SecretRotation } }
    @{ Cmdlet = 'Test-SecretRotation'; Name = 'malformed and cut-short answers'; Recorded = 'safety-malformed.json'; LeastPrivilege = $false
        Script = { param($Seed) 'safety/rotated', 'safety/multi-user', 'safety/not-json' | Test-SecretRotation } }
    @{ Cmdlet = 'Get-RotationFunctionAge'; Name = 'by secret'
        Script = { param($Seed) Get-RotationFunctionAge -SecretId safety/rotated, safety/multi-user } }
    @{ Cmdlet = 'Get-RotationFunctionAge'; Name = 'by function, and a missing function'; LeastPrivilege = $false
        Script = { param($Seed) Get-RotationFunctionAge -FunctionName ($Seed.functions + 'safety-no-such-function') } }
    @{ Cmdlet = 'Get-RotationFunctionAge'; Name = 'denied calls'; Recorded = 'safety-denied.json'; LeastPrivilege = $false
        Script = { param($Seed) Get-RotationFunctionAge -SecretId safety/rotated, safety/multi-user } }
)
