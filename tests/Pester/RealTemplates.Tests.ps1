# AWS's real rotation functions (RT_ROTATION_TEMPLATES or ../shared/peers/aws-rotation-lambdas), run by tests/harness as
# Secrets Manager and Lambda run them against the test run's databases and broken ports; the module reads what they
# logged. Where the templates are not found, every test here is skipped with the reason; nothing else skips it.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    if (-not (Test-RotationTemplates)) { return }
    # The templates log into real servers; without them the spec fails (it never skips).
    if (-not $env:RT_TEST_SERVERS -or -not (Test-Path $env:RT_TEST_SERVERS)) {
        throw 'RT_TEST_SERVERS does not name the servers.json of running test databases: run this spec with tests/Invoke-Spec.ps1 -Databases or ./build.ps1 Test.'
    }
    Set-TestAwsEnvironment
    Reset-TestMoto | Out-Null
    $PSDefaultParameterValues['Get-RotationFunctionLog:EndpointUrl'] = $env:RT_MOTO_URL
    $PSDefaultParameterValues['Test-SecretRotation:EndpointUrl'] = $env:RT_MOTO_URL
    $script:Seeds = Invoke-RealTemplateScenario all

    # Every seeded secret diagnosed in one run, as an administrator would (-ThrottleLimit secrets at once).
    $arns = @($Seeds.Values | ForEach-Object secretArn)
    $script:Diagnoses = @{}
    $script:DiagnosisErrors = @()
    $arns | Test-SecretRotation -ErrorVariable +script:DiagnosisErrors -ErrorAction SilentlyContinue |
        ForEach-Object { $Diagnoses[$_.SecretArn] = $_ }

    function Get-NewestAttempt([string] $Key) {
        @(Get-RotationFunctionLog -SecretId $Seeds[$Key].secretArn)[-1]
    }
}

AfterAll {
    $PSDefaultParameterValues.Remove('Get-RotationFunctionLog:EndpointUrl')
    $PSDefaultParameterValues.Remove('Test-SecretRotation:EndpointUrl')
}

Describe 'The harness plays Secrets Manager' -Tag RotationTemplates {
    BeforeEach { Skip-WithoutRotationTemplates $_ }

    It 'leaves the labels as a real rotation does: <Key>' -TestCases @(
        @{ Key = 'healthy-without-tls:Text' }, @{ Key = 'wrong-password:JSON' }
    ) {
        $rotation = $Seeds[$Key].rotations[-1]
        $stages = $rotation.versionStages
        if ($rotation.outcome -eq 'Succeeded') {
            $stages[$rotation.versionId] | Sort-Object | Should -Be @('AWSCURRENT', 'AWSPENDING')
            @($stages.Values | Where-Object { $_ -contains 'AWSPREVIOUS' }) | Should -HaveCount 1
        }
        else {
            $stages[$rotation.versionId] | Should -Be @('AWSPENDING')
            @($stages.Values | Where-Object { $_ -contains 'AWSCURRENT' }) | Should -HaveCount 1
        }
    }

    It 'stops at the first step that fails and reattempts the pending version the next time' {
        $runs = $Seeds['reattempt-after-fix:Text'].rotations
        $runs[0].invocations.step | Should -Be @('createSecret', 'setSecret')
        $runs[1].reattempt | Should -BeTrue
        $runs[1].versionId | Should -Be $runs[0].versionId
        $runs[1].invocations.step | Should -Be @('createSecret', 'setSecret', 'testSecret', 'finishSecret')
    }

    It 'enforces the function timeout: <Key>' -TestCases @(@{ Key = 'dropped-syn:Text' }, @{ Key = 'dropped-syn:JSON' }) {
        $setSecret = $Seeds[$Key].rotations[0].invocations[-1]
        $setSecret.status | Should -Be 'timeout'
        $setSecret.durationMs | Should -Be 4000
    }
}

Describe 'Get-RotationFunctionLog on what the real templates logged' -Tag RotationTemplates {
    BeforeEach { Skip-WithoutRotationTemplates $_ }

    It '<Key>: <Outcome> in <FailedStep>, <Symptom>' -TestCases @(
        @{ Key = 'wrong-password:Text'; Outcome = 'Failed'; FailedStep = 'setSecret'; Symptom = 'DatabaseLoginRejected'; Names = 'username or password does not match' }
        @{ Key = 'wrong-password:JSON'; Outcome = 'Failed'; FailedStep = 'setSecret'; Symptom = 'DatabaseLoginRejected'; Names = 'username or password does not match' }
        @{ Key = 'refused-port:Text'; Outcome = 'Failed'; FailedStep = 'setSecret'; Symptom = 'DatabaseLoginRejected'; Names = 'nothing listens on the secret''s host and port' }
        @{ Key = 'refused-port:JSON'; Outcome = 'Failed'; FailedStep = 'setSecret'; Symptom = 'DatabaseLoginRejected'; Names = 'nothing listens on the secret''s host and port' }
        @{ Key = 'dropped-syn:Text'; Outcome = 'TimedOut'; FailedStep = 'setSecret'; Symptom = 'DatabaseUnreachable'; Names = 'database port outbound' }
        @{ Key = 'dropped-syn:JSON'; Outcome = 'TimedOut'; FailedStep = 'setSecret'; Symptom = 'DatabaseUnreachable'; Names = 'database port outbound' }
        @{ Key = 'dropped-syn-logged:Text'; Outcome = 'Failed'; FailedStep = 'setSecret'; Symptom = 'DatabaseUnreachable'; Names = 'network ACLs' }
        @{ Key = 'tls-required-postgres:Text'; Outcome = 'Failed'; FailedStep = 'setSecret'; Symptom = 'DatabaseLoginRejected'; Names = 'only over TLS' }
        @{ Key = 'tls-required-postgres:JSON'; Outcome = 'Failed'; FailedStep = 'setSecret'; Symptom = 'DatabaseLoginRejected'; Names = 'only over TLS' }
        @{ Key = 'tls-required-mariadb:Text'; Outcome = 'Failed'; FailedStep = 'setSecret'; Symptom = 'DatabaseLoginRejected'; Names = 'only over TLS' }
        @{ Key = 'missing-key:Text'; Outcome = 'Failed'; FailedStep = 'createSecret'; Symptom = 'SecretJsonKeyMissing'; Names = '"host"' }
        @{ Key = 'missing-key:JSON'; Outcome = 'Failed'; FailedStep = 'createSecret'; Symptom = 'SecretJsonKeyMissing'; Names = '"host"' }
        @{ Key = 'engine-mismatch:Text'; Outcome = 'Failed'; FailedStep = 'createSecret'; Symptom = 'EngineMismatch'; Names = '''postgres''' }
        @{ Key = 'multi-user-without-masterarn:Text'; Outcome = 'Failed'; FailedStep = 'setSecret'; Symptom = 'SecretJsonKeyMissing'; Names = '"masterarn"' }
        @{ Key = 'multi-user-without-masterarn:JSON'; Outcome = 'Failed'; FailedStep = 'setSecret'; Symptom = 'SecretJsonKeyMissing'; Names = '"masterarn"' }
        @{ Key = 'multi-user-bad-master:Text'; Outcome = 'Failed'; FailedStep = 'setSecret'; Symptom = 'DatabaseLoginRejected'; Names = 'master secret''s (masterarn) username or password' }
        @{ Key = 'multi-user-master-other-host:Text'; Outcome = 'Failed'; FailedStep = 'setSecret'; Symptom = 'ConnectionParametersLookupFailed'; Names = 'names another host' }
        @{ Key = 'multi-user-master-database-gone:Text'; Outcome = 'Failed'; FailedStep = 'setSecret'; Symptom = 'ConnectionParametersLookupFailed'; Names = 'aws:rds:primaryDBInstanceArn' }
        @{ Key = 'clone-username-too-long:Text'; Outcome = 'Failed'; FailedStep = 'createSecret'; Symptom = 'CloneUsernameTooLong'; Names = 'shorter' }
        @{ Key = 'driver-missing:Text'; Outcome = 'Failed'; FailedStep = 'createSecret'; Symptom = 'FunctionImportError'; Names = 'module ''pg''' }
        @{ Key = 'driver-missing:JSON'; Outcome = 'Failed'; FailedStep = 'createSecret'; Symptom = 'FunctionImportError'; Names = 'module ''pg''' }
    ) {
        $attempt = Get-NewestAttempt $Key
        $attempt.Outcome | Should -Be $Outcome
        $attempt.FailedStep | Should -Be $FailedStep
        $attempt.Symptom | Should -Be $Symptom
        $attempt.Remediation | Should -BeLike "*$Names*"
    }

    It 'reads the template''s guard against a version that lost AWSPENDING as RotatedVersionNotPending' {
        # The guard runs before any step message, so the log does not say which step Secrets Manager reattempted.
        $attempt = Get-NewestAttempt 'pending-guard:Text'
        $attempt.Outcome | Should -Be 'Failed'
        $attempt.Symptom | Should -Be 'RotatedVersionNotPending'
        $attempt.VersionId | Should -Be $Seeds['pending-guard:Text'].rotations[0].versionId
        $attempt.Evidence -join "`n" | Should -BeLike '*not set as AWSPENDING for rotation*'
    }

    It 'a fast failed login names every candidate and the command that tells them apart: <Key>' -TestCases @(
        @{ Key = 'wrong-password:Text' }, @{ Key = 'refused-port:JSON' }, @{ Key = 'tls-required-postgres:Text' }, @{ Key = 'tls-required-mariadb:Text' }
    ) {
        $attempt = Get-NewestAttempt $Key
        foreach ($candidate in 'username or password does not match', 'nothing listens', 'only over TLS', 'scram-sha-256') {
            $attempt.Remediation | Should -BeLike "*$candidate*"
        }
        $attempt.Remediation | Should -BeLike "*Test-RotationDatabaseLogin -SecretId $($Seeds[$Key].secretArn)*"
    }

    It 'does not take the TLS fall-back lines for the cause: <Key>' -TestCases @(
        @{ Key = 'wrong-password:Text' }, @{ Key = 'multi-user-bad-master:Text' }
    ) {
        $attempt = Get-NewestAttempt $Key
        $raw = Get-RotationFunctionLog -FunctionName $Seeds[$Key].functionName -Raw
        ($raw.Message -join "`n") | Should -BeLike '*SSL/TLS is not enabled on the host*'
        $attempt.Remediation | Should -Not -BeLike '*TLS handshake failed*'
        $attempt.Evidence -join "`n" | Should -Not -BeLike '*SSL/TLS is not enabled*'
    }

    It 'reads a healthy rotation that logged TLS fall-back errors as Succeeded: <Key>' -TestCases @(
        @{ Key = 'healthy-without-tls:Text' }, @{ Key = 'healthy-without-tls:JSON' }, @{ Key = 'reattempt-after-fix:Text' }
    ) {
        $attempt = Get-NewestAttempt $Key
        $attempt.Outcome | Should -Be 'Succeeded'
        $attempt.Symptom | Should -Be 'Succeeded'
        $attempt.VersionId | Should -Be $Seeds[$Key].rotations[-1].versionId
        $attempt.Steps[-1].Step | Should -Be 'finishSecret'
    }

    It 'keeps the failed setSecret and the reattempt that succeeded in one attempt' {
        $attempt = Get-NewestAttempt 'reattempt-after-fix:Text'
        $attempt.Steps.Step | Should -Be @('createSecret', 'setSecret', 'createSecret', 'setSecret', 'testSecret', 'finishSecret')
        $attempt.Steps[1].Outcome | Should -Be 'Failed'
    }
}

Describe 'Test-SecretRotation on the secrets the real templates rotated' -Tag RotationTemplates {
    BeforeEach { Skip-WithoutRotationTemplates $_ }

    It 'diagnoses every secret without an error' {
        $DiagnosisErrors | Should -BeNullOrEmpty
        $Diagnoses.Count | Should -Be $Seeds.Count
    }

    It '<Key> is <Status>, its log symptom among the findings' -TestCases @(
        @{ Key = 'wrong-password:Text'; Status = 'Failing'; Symptom = 'DatabaseLoginRejected' }
        @{ Key = 'refused-port:Text'; Status = 'Failing'; Symptom = 'DatabaseLoginRejected' }
        @{ Key = 'dropped-syn:JSON'; Status = 'Failing'; Symptom = 'DatabaseUnreachable' }
        @{ Key = 'tls-required-postgres:JSON'; Status = 'Failing'; Symptom = 'DatabaseLoginRejected' }
        @{ Key = 'tls-required-mariadb:Text'; Status = 'Failing'; Symptom = 'DatabaseLoginRejected' }
        @{ Key = 'missing-key:Text'; Status = 'Failing'; Symptom = 'SecretJsonKeyMissing' }
        @{ Key = 'engine-mismatch:Text'; Status = 'Failing'; Symptom = 'EngineMismatch' }
        @{ Key = 'multi-user-without-masterarn:JSON'; Status = 'Failing'; Symptom = 'SecretJsonKeyMissing' }
        @{ Key = 'multi-user-bad-master:Text'; Status = 'Failing'; Symptom = 'DatabaseLoginRejected' }
        @{ Key = 'pending-guard:Text'; Status = 'Failing'; Symptom = 'RotatedVersionNotPending' }
        @{ Key = 'driver-missing:Text'; Status = 'Failing'; Symptom = 'FunctionImportError' }
        @{ Key = 'healthy-without-tls:Text'; Status = 'Healthy'; Symptom = 'Succeeded' }
        @{ Key = 'healthy-without-tls:JSON'; Status = 'Healthy'; Symptom = 'Succeeded' }
        @{ Key = 'reattempt-after-fix:Text'; Status = 'Healthy'; Symptom = 'Succeeded' }
    ) {
        $diagnosis = $Diagnoses[$Seeds[$Key].secretArn]
        $diagnosis.Status | Should -Be $Status
        $diagnosis.Findings.CheckId | Should -Contain $Symptom
    }

    It 'finds nothing about TLS in a healthy rotation on a server without TLS: <Key>' -TestCases @(
        @{ Key = 'healthy-without-tls:Text' }, @{ Key = 'healthy-without-tls:JSON' }
    ) {
        $diagnosis = $Diagnoses[$Seeds[$Key].secretArn]
        @($diagnosis.Findings | Where-Object Severity -ne 'Info') | Should -BeNullOrEmpty
        ($diagnosis.Findings | ForEach-Object { "$($_.CheckId) $($_.Message) $($_.Evidence) $($_.Remediation)" }) -join "`n" |
            Should -Not -MatchExactly '\bTLS\b|\bSSL\b|handshake'
    }
}

Describe 'From symptom to cause on the secrets the real templates rotated' -Tag RotationTemplates {
    BeforeEach { Skip-WithoutRotationTemplates $_ }

    It '<Key>: <Symptom> is caused by <Cause>, and its remediation comes first' -TestCases @(
        @{ Key = 'refused-port:Text'; Symptom = 'DatabaseLoginRejected'; Cause = 'DatabasePortClosed' }
        @{ Key = 'refused-port:JSON'; Symptom = 'DatabaseLoginRejected'; Cause = 'DatabasePortClosed' }
        @{ Key = 'dropped-syn:JSON'; Symptom = 'DatabaseUnreachable'; Cause = 'DatabaseDoesNotAnswer' }
        @{ Key = 'dropped-syn-logged:Text'; Symptom = 'DatabaseUnreachable'; Cause = 'DatabaseDoesNotAnswer' }
        @{ Key = 'tls-required-postgres:Text'; Symptom = 'DatabaseLoginRejected'; Cause = 'DatabaseRequiresTlsSecretDisablesIt' }
        @{ Key = 'tls-required-postgres:JSON'; Symptom = 'DatabaseLoginRejected'; Cause = 'DatabaseRequiresTlsSecretDisablesIt' }
        @{ Key = 'missing-key:Text'; Symptom = 'SecretJsonKeyMissing'; Cause = 'SecretJsonKeyMissing' }
        @{ Key = 'engine-mismatch:Text'; Symptom = 'EngineMismatch'; Cause = 'EngineMismatch' }
        @{ Key = 'multi-user-without-masterarn:Text'; Symptom = 'SecretJsonKeyMissing'; Cause = 'SecretJsonKeyMissing' }
        @{ Key = 'pending-guard:Text'; Symptom = 'RotatedVersionNotPending'; Cause = 'RotatedVersionNotPending' }
        @{ Key = 'clone-username-too-long:Text'; Symptom = 'CloneUsernameTooLong'; Cause = 'CloneUsernameTooLong' }
    ) {
        $diagnosis = $Diagnoses[$Seeds[$Key].secretArn]
        $diagnosis.Symptom | Should -Be $Symptom
        $diagnosis.Cause | Should -Be $Cause
        ($diagnosis.Causes | Where-Object Id -eq $Cause).Verdict | Should -Be 'Confirmed'
        $diagnosis.Findings[0].CheckId | Should -Be $Cause
        # Never two causes confirmed where the scenario has one.
        @($diagnosis.Causes | Where-Object Verdict -eq 'Confirmed') | Should -HaveCount 1
    }

    It 'shows the cause in the default table' {
        $text = $Diagnoses[$Seeds['refused-port:Text'].secretArn] | Out-String -Width 120
        $text | Should -Match 'Name\s+Status\s+OwningService\s+Cause\s+Summary'
        $text | Should -Match 'Failing\s+DatabasePortClosed\s+Nothing listens'
    }

    It 'a wrong password, which no probe without the password can see, is the likely cause and the command that settles it is named' {
        $diagnosis = $Diagnoses[$Seeds['wrong-password:Text'].secretArn]
        $diagnosis.Cause | Should -BeNullOrEmpty
        $diagnosis.Causes[0].Id | Should -Be 'CurrentCredentialsRejected'
        $diagnosis.Causes[0].Verdict | Should -Be 'Likely'
        $diagnosis.Causes[0].Command | Should -BeLike "Test-RotationDatabaseLogin -SecretId '$($Seeds['wrong-password:Text'].secretName)'*"
        ($diagnosis.Causes | Where-Object Id -eq 'DatabasePortClosed').Verdict | Should -Be 'RuledOut'
        ($diagnosis.Causes | Where-Object Id -eq 'DatabaseRequiresScramButFunctionLibpqTooOld').Evidence -join ' ' | Should -BeLike '*asks this user for md5*'
    }

    It 'a bad master secret is the likely cause of a multi-user login failure' {
        $diagnosis = $Diagnoses[$Seeds['multi-user-bad-master:Text'].secretArn]
        $master = $diagnosis.Causes | Where-Object Id -eq 'MasterCredentialsRejected'
        $master.Verdict | Should -Be 'Likely'
        $master.Command | Should -BeLike "Test-RotationDatabaseLogin -SecretId '$($Seeds['multi-user-bad-master:Text'].masterSecretArn)'*"
    }

    It 'MariaDB answers a user that requires TLS as it answers a wrong password: undetermined, until a login over verified TLS tells' {
        $key = 'tls-required-mariadb:Text'
        $diagnosis = $Diagnoses[$Seeds[$key].secretArn]
        $diagnosis.Cause | Should -BeNullOrEmpty
        $tls = $diagnosis.Causes | Where-Object Id -eq 'DatabaseRequiresTlsSecretDisablesIt'
        $tls.Verdict | Should -Be 'Undetermined'
        $tls.Command | Should -BeLike 'Test-RotationDatabaseLogin -SecretId*'

        $ca = (Get-Content $env:RT_TEST_SERVERS -Raw | ConvertFrom-Json).caCertificatePath
        $settled = Test-SecretRotation -SecretId $Seeds[$key].secretArn -IncludeDatabaseLogin -CaCertificatePath $ca
        $settled.Cause | Should -Be 'DatabaseRequiresTlsSecretDisablesIt'
        # The login over verified TLS in the template's place logged in: the credentials are right.
        ($settled.Causes | Where-Object Id -eq 'CurrentCredentialsRejected').Verdict | Should -Be 'RuledOut'
        $login = Test-RotationDatabaseLogin -SecretId $Seeds[$key].secretArn -VersionStage AWSCURRENT -CaCertificatePath $ca -EndpointUrl $env:RT_MOTO_URL
        $login.LoginSucceeded | Should -BeFalse
        $login.CredentialsAccepted | Should -BeTrue
    }

    It 'names only commands that run as given: each cause''s Command is a cmdlet of this module, with parameters it has' {
        $commands = @($Diagnoses.Values.Causes.Command | Where-Object { $_ } | Sort-Object -Unique)
        $commands | Should -Not -BeNullOrEmpty
        foreach ($line in $commands) {
            $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($line, [ref]$null, [ref]$errors)
            $errors | Should -BeNullOrEmpty -Because $line
            $calls = @($ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true))
            $calls | Should -HaveCount 1 -Because $line
            $command = Get-Command $calls[0].GetCommandName() -Module RotationTroubleshooter -ErrorAction SilentlyContinue
            $command | Should -Not -BeNullOrEmpty -Because $line
            $known = @($command.Parameters.Values | ForEach-Object { $_.Name; $_.Aliases })
            foreach ($parameter in $calls[0].CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] }) {
                $known | Should -Contain $parameter.ParameterName -Because $line
            }
        }
    }

    It 'the engine error in the logs and in the secret is one finding with both pieces of evidence' {
        $diagnosis = $Diagnoses[$Seeds['engine-mismatch:Text'].secretArn]
        $engine = @($diagnosis.Findings | Where-Object CheckId -eq 'EngineMismatch')
        $engine | Should -HaveCount 1
        $engine[0].Evidence -join "`n" | Should -BeLike '*Database engine must be set to*'
        $engine[0].Evidence -join "`n" | Should -BeLike '*The template accepts engine*'
        @($diagnosis.Findings.CheckId | Group-Object | Where-Object Count -gt 1) | Should -BeNullOrEmpty
    }

    It 'names no symptom and no cause for a rotation that succeeded: <Key>' -TestCases @(
        @{ Key = 'healthy-without-tls:Text' }, @{ Key = 'reattempt-after-fix:Text' }
    ) {
        $diagnosis = $Diagnoses[$Seeds[$Key].secretArn]
        $diagnosis.Symptom | Should -BeNullOrEmpty
        $diagnosis.Cause | Should -BeNullOrEmpty
        $diagnosis.Causes | Should -BeNullOrEmpty
    }

    It 'asks the database nothing with -SkipDatabaseProbe, and says which command would settle it' {
        $diagnosis = Test-SecretRotation -SecretId $Seeds['refused-port:Text'].secretArn -SkipDatabaseProbe
        $diagnosis.Cause | Should -BeNullOrEmpty
        $closed = $diagnosis.Causes | Where-Object Id -eq 'DatabasePortClosed'
        $closed.Verdict | Should -Be 'Undetermined'
        $closed.Evidence -join ' ' | Should -BeLike '*-SkipDatabaseProbe*'
        $closed.Command | Should -Be "Test-SecretRotation -SecretId '$($Seeds['refused-port:Text'].secretName)'"
    }
}
