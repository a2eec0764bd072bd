BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    Set-TestAwsEnvironment
    $script:Moto = Reset-TestMoto
    $native = Initialize-NativeBundles fit
    $script:Work = $native.Work; $script:Fixtures = $native.Fixtures; $script:CodeDir = $native.CodeDir
    $script:Seed = Invoke-Scenario bundle_fit
    # moto's Code.Location names a host it does not serve: the proxy rewrites it and serves the bundles itself.
    $script:Proxy = Start-AwsProxy -CodeDirectory $CodeDir
    $PSDefaultParameterValues['Test-SecretRotation:EndpointUrl'] = $Proxy.Url
}

AfterAll {
    Stop-AwsProxy $Proxy
    $PSDefaultParameterValues.Remove('Test-SecretRotation:EndpointUrl')
    Remove-Item Env:RT_FIXTURES, Env:RT_CODE_DIR -ErrorAction SilentlyContinue
    Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Test-SecretRotation: the function''s bundle fit and its drivers'' own words' {
    It 'confirms a native module built for Python 3.9 as the cause of an import error since the runtime became python3.11' {
        $d = Test-SecretRotation -SecretId fit/py39 -SkipDatabaseProbe

        $d.Status | Should -Be 'Failing'
        $d.Symptom | Should -Be 'FunctionImportError'
        $d.Cause | Should -Be 'NativeModuleBuiltForOtherPython'
        $finding = $d.Findings[0]
        $finding.CheckId | Should -Be 'NativeModuleBuiltForOtherPython'
        $finding.Message | Should -Match 'built for Python 3\.9, and the function runs python3\.11 since its runtime was updated on \d{4}-\d\d-\d\d'
        ($d.Causes | Where-Object Id -eq 'NativeModuleBuiltForOtherPython').Evidence -join "`n" | Should -Match '_pg\.cpython-39-x86_64-linux-gnu\.so is built for CPython 3\.9'
        ($d.Causes | Where-Object Id -eq 'DriverNotInBundle').Verdict | Should -Be 'RuledOut'
    }

    It 'confirms PyMySQL without cryptography from the driver''s own words and the bundle' {
        $d = Test-SecretRotation -SecretId fit/pymysql -SkipDatabaseProbe

        $d.Symptom | Should -Be 'DriverError'
        $d.Cause | Should -Be 'PyMySqlWithoutCryptography'
        $cause = $d.Causes | Where-Object Id -eq 'PyMySqlWithoutCryptography'
        $cause.Verdict | Should -Be 'Confirmed'
        $cause.Evidence -join "`n" | Should -Match "PyMySQL says: .*'cryptography' package is required"
        $cause.Evidence -join "`n" | Should -Match 'pymysql 1\.1\.0'
        $d | ConvertTo-Json -Depth 6 | Should -Not -Match 'not-a-real-one'
    }
}
