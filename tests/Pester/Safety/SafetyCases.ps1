<#
Every exported cmdlet, and the invocations that exercise it in the safety suites (secret canary, read-only,
least privilege, faults): happy paths and failure paths. Adding a cmdlet to the module means adding its lines here;
the suites fail for an exported cmdlet without a line.

Each case: Cmdlet, Name, Script (a scriptblock taking the seed printed by tests/scenarios/safety.py; it must not pass
-EndpointUrl, the suites point the module at moto or a proxy through AWS_ENDPOINT_URL*), and optionally Recorded (a
file of tests/fakes/recorded/ that the proxy answers from: denied calls, malformed answers) and LeastPrivilege
(false when the case needs recorded answers or a missing thing, so it says nothing about permissions).

Repair-SecretRotation and Start-SecretRotation change AWS: here they run with -WhatIf, which must only read (what they
change and need is proven by their own specs against docs/iam-policy-repair.json, so they are left out of the
diagnosis policy's least-privilege and fault runs). Export-RotationReport calls no AWS: its case is left out of them too.
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
    @{ Cmdlet = 'Get-RotationHistory'; Name = 'each seeded secret piped by ARN and a missing one, reads included'; LeastPrivilege = $false
        Script = { param($Seed) @($Seed.secrets.PSObject.Properties.Value) + 'safety/no-such-secret' | Get-RotationHistory -Days 7 -IncludeReadOnly } }
    @{ Cmdlet = 'Get-RotationFunctionAge'; Name = 'by secret'
        Script = { param($Seed) Get-RotationFunctionAge -SecretId safety/rotated, safety/multi-user } }
    @{ Cmdlet = 'Get-RotationFunctionAge'; Name = 'by function, and a missing function'; LeastPrivilege = $false
        Script = { param($Seed) Get-RotationFunctionAge -FunctionName ($Seed.functions + 'safety-no-such-function') } }
    @{ Cmdlet = 'Get-RotationFunctionAge'; Name = 'denied calls'; Recorded = 'safety-denied.json'; LeastPrivilege = $false
        Script = { param($Seed) Get-RotationFunctionAge -SecretId safety/rotated, safety/multi-user } }
    @{ Cmdlet = 'Test-SecretRotation'; Name = 'with the database logins'
        Script = { param($Seed) Test-SecretRotation -SecretId safety/rotated, safety/multi-user, safety/broken-json -IncludeDatabaseLogin } }

    @{ Cmdlet = 'Get-RotationFunctionLog'; Name = 'by secret and by function'
        Script = { param($Seed) Get-RotationFunctionLog -SecretId safety/rotated, safety/multi-user; Get-RotationFunctionLog -FunctionName $Seed.functions[0] -Raw } }
    @{ Cmdlet = 'Get-RotationFunctionLog'; Name = 'a missing secret, a missing function, a missing file'; LeastPrivilege = $false
        Script = { param($Seed) Get-RotationFunctionLog -SecretId safety/no-such-secret; Get-RotationFunctionLog -FunctionName safety-no-such-function; Get-RotationFunctionLog -Path /nonexistent/safety.log } }
    @{ Cmdlet = 'Get-RotationFunctionLog'; Name = 'denied calls'; Recorded = 'safety-denied.json'; LeastPrivilege = $false
        Script = { param($Seed) Get-RotationFunctionLog -SecretId safety/rotated, safety/multi-user } }

    @{ Cmdlet = 'Test-LibpqScramSupport'; Name = 'by secret and by function'
        Script = { param($Seed) Test-LibpqScramSupport -SecretId safety/rotated; Test-LibpqScramSupport -FunctionName $Seed.functions[1] } }
    @{ Cmdlet = 'Test-LibpqScramSupport'; Name = 'a missing function, a missing file'; LeastPrivilege = $false
        Script = { param($Seed) Test-LibpqScramSupport -FunctionName safety-no-such-function; Test-LibpqScramSupport -Path /nonexistent/libpq.so.5 } }
    @{ Cmdlet = 'Test-LibpqScramSupport'; Name = 'denied calls'; Recorded = 'safety-denied.json'; LeastPrivilege = $false
        Script = { param($Seed) Test-LibpqScramSupport -SecretId safety/rotated, safety/multi-user } }

    @{ Cmdlet = 'Test-RotationDatabaseLogin'; Name = 'every version of every secret (rejected or unreachable)'
        Script = { param($Seed) $Seed.secrets.PSObject.Properties.Value | Test-RotationDatabaseLogin -TimeoutSeconds 2 } }
    @{ Cmdlet = 'Test-RotationDatabaseLogin'; Name = 'a missing secret'; LeastPrivilege = $false
        Script = { param($Seed) Test-RotationDatabaseLogin -SecretId safety/no-such-secret -TimeoutSeconds 2 } }
    @{ Cmdlet = 'Test-RotationDatabaseLogin'; Name = 'denied calls'; Recorded = 'safety-denied.json'; LeastPrivilege = $false
        Script = { param($Seed) Test-RotationDatabaseLogin -SecretId safety/rotated, safety/multi-user -TimeoutSeconds 2 } }

    @{ Cmdlet = 'Test-RotationNetwork'; Name = 'by secret and by function'
        Script = { param($Seed) Test-RotationNetwork -SecretId safety/rotated, safety/multi-user; Test-RotationNetwork -FunctionName $Seed.functions[1] } }
    @{ Cmdlet = 'Test-RotationNetwork'; Name = 'a missing secret and function'; LeastPrivilege = $false
        Script = { param($Seed) Test-RotationNetwork -SecretId safety/no-such-secret; Test-RotationNetwork -FunctionName safety-no-such-function } }
    @{ Cmdlet = 'Test-RotationNetwork'; Name = 'denied calls'; Recorded = 'safety-denied.json'; LeastPrivilege = $false
        Script = { param($Seed) Test-RotationNetwork -SecretId safety/rotated, safety/multi-user } }

    @{ Cmdlet = 'Repair-SecretRotation'; Name = 'every seeded secret, -WhatIf'; LeastPrivilege = $false
        Script = { param($Seed) $Seed.secrets.PSObject.Properties.Value | Repair-SecretRotation -WhatIf -IncludeRotationEnable } }
    @{ Cmdlet = 'Repair-SecretRotation'; Name = 'diagnoses piped from Test-SecretRotation, -WhatIf'; LeastPrivilege = $false
        Script = { param($Seed) Test-SecretRotation -All | Repair-SecretRotation -WhatIf } }
    @{ Cmdlet = 'Repair-SecretRotation'; Name = 'a missing secret, -WhatIf'; LeastPrivilege = $false
        Script = { param($Seed) Repair-SecretRotation -SecretId safety/no-such-secret -WhatIf } }
    @{ Cmdlet = 'Repair-SecretRotation'; Name = 'denied calls, -WhatIf'; Recorded = 'safety-denied.json'; LeastPrivilege = $false
        Script = { param($Seed) Repair-SecretRotation -SecretId safety/rotated, safety/multi-user -WhatIf } }

    # Export-RotationReport calls no AWS (the diagnoses' permissions are Test-SecretRotation's cases'); the report's own
    # text is part of the case's output, so the canary suites read the file.
    @{ Cmdlet = 'Export-RotationReport'; Name = 'every seeded secret, diagnosed and reported'; LeastPrivilege = $false
        Script = { param($Seed)
            $file = Join-Path ([IO.Path]::GetTempPath()) "rt-safety-report-$([guid]::NewGuid()).html"
            try { $Seed.secrets.PSObject.Properties.Value | Test-SecretRotation | Export-RotationReport -Path $file -PassThru; Get-Content $file -Raw }
            finally { Remove-Item $file -ErrorAction SilentlyContinue } } }

    @{ Cmdlet = 'Start-SecretRotation'; Name = 'every seeded secret, -WhatIf'; LeastPrivilege = $false
        Script = { param($Seed) $Seed.secrets.PSObject.Properties.Value | Start-SecretRotation -WhatIf -Wait } }
    @{ Cmdlet = 'Start-SecretRotation'; Name = 'a missing secret, -WhatIf'; LeastPrivilege = $false
        Script = { param($Seed) Start-SecretRotation -SecretId safety/no-such-secret -WhatIf } }
    @{ Cmdlet = 'Start-SecretRotation'; Name = 'denied calls, -WhatIf'; Recorded = 'safety-denied.json'; LeastPrivilege = $false
        Script = { param($Seed) Start-SecretRotation -SecretId safety/rotated, safety/multi-user -WhatIf } }
)
