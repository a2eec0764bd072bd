BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    # These tests log into real servers; without them the spec fails (it never skips).
    if (-not $env:RT_TEST_SERVERS -or -not (Test-Path $env:RT_TEST_SERVERS)) {
        throw 'RT_TEST_SERVERS does not name the servers.json of running test databases: run this spec with tests/Invoke-Spec.ps1 -Databases or ./build.ps1 Test.'
    }
    Set-TestAwsEnvironment
    Reset-TestMoto | Out-Null
    $script:Servers = Get-Content $env:RT_TEST_SERVERS -Raw | ConvertFrom-Json
    $script:Seed = Invoke-Scenario database_login -ArgumentList $env:RT_TEST_SERVERS
    $script:Ca = $Servers.caCertificatePath
    $PSDefaultParameterValues['Test-RotationDatabaseLogin:EndpointUrl'] = $env:RT_MOTO_URL
    $PSDefaultParameterValues['Test-RotationDatabaseLogin:CaCertificatePath'] = $Ca

    function Assert-NoPassword([string] $Text) {
        foreach ($password in $Seed.passwords) { $Text | Should -Not -BeLike "*$password*" }
    }
}

AfterAll {
    $PSDefaultParameterValues.Remove('Test-RotationDatabaseLogin:EndpointUrl')
    $PSDefaultParameterValues.Remove('Test-RotationDatabaseLogin:CaCertificatePath')
}

Describe 'Test-RotationDatabaseLogin' {
    Context 'PostgreSQL with TLS required and scram-sha-256' {
        BeforeAll { $script:App = @(Test-RotationDatabaseLogin -SecretId db/postgres-app) }

        It 'logs in with every stage present: current works, previous is rejected, pending works' {
            $App.Stage | Should -Be @('AWSCURRENT', 'AWSPREVIOUS', 'AWSPENDING')
            $App[0].LoginSucceeded | Should -BeTrue
            $App[1].LoginSucceeded | Should -BeFalse
            $App[1].FailureKind | Should -Be 'PasswordRejected'
            $App[2].LoginSucceeded | Should -BeTrue
            $App[0].PSObject.TypeNames | Should -Contain 'RotationTroubleshooter.DatabaseLoginResult'
        }

        It 'reports the endpoint, the scram-sha-256 the server asks for and TLS, and names the secret and version' {
            $App[0].Endpoint | Should -Be "127.0.0.1:$($Servers.postgresScram.port)"
            $App.AuthenticationMethod | Should -Be @('scram-sha-256', 'scram-sha-256', 'scram-sha-256')
            $App[0].TlsUsed | Should -BeTrue
            $App[0].ServerRequiresTls | Should -BeTrue
            $App[0].TcpReachable | Should -BeTrue
            $App[0].SecretArn | Should -Be $Seed.secrets.'db/postgres-app'
            $App[0].SecretName | Should -Be 'db/postgres-app'
            $App[0].VersionId | Should -Not -Be $App[1].VersionId
        }

        It 'says the test ran from this machine, which may not see the database as the function does' {
            $App[0].Vantage | Should -Match 'this machine'
            $App[0].Vantage | Should -Match 'rotation function may see the database differently'
        }

        It 'tries only the stages asked for, whatever their case' {
            $only = @(Test-RotationDatabaseLogin -SecretId db/postgres-app -VersionStage awsprevious)
            $only | Should -HaveCount 1
            $only[0].Stage | Should -Be 'AWSPREVIOUS'
            $only[0].FailureKind | Should -Be 'PasswordRejected'
        }

        It 'names a database that does not exist' {
            $r = Test-RotationDatabaseLogin -SecretId db/postgres-wrong-db
            $r.LoginSucceeded | Should -BeFalse
            $r.FailureKind | Should -Be 'UnknownDatabase'
        }

        It 'names a server that refuses the plain connection a secret with "ssl": false asks for' {
            $r = Test-RotationDatabaseLogin -SecretId db/postgres-ssl-false
            $r.FailureKind | Should -Be 'TlsRequired'
            $r.TlsUsed | Should -BeFalse
            $r.ServerRequiresTls | Should -BeTrue
        }

        It 'does not log in to a port nothing listens on, and says it was unreachable' {
            $r = Test-RotationDatabaseLogin -SecretId db/postgres-closed-port
            $r.TcpReachable | Should -BeFalse
            $r.LoginSucceeded | Should -BeNullOrEmpty
            $r.FailureKind | Should -Be 'Unreachable'
            $r.Endpoint | Should -Be "127.0.0.1:$($Seed.closedPort)"
        }

        It 'without the CA, sends no password and says how to make the test possible' {
            $PSDefaultParameterValues.Remove('Test-RotationDatabaseLogin:CaCertificatePath')
            try { $r = Test-RotationDatabaseLogin -SecretId db/postgres-app -VersionStage AWSCURRENT }
            finally { $PSDefaultParameterValues['Test-RotationDatabaseLogin:CaCertificatePath'] = $Ca }
            $r.LoginSucceeded | Should -BeNullOrEmpty
            $r.FailureKind | Should -Be 'NoVerifiedTls'
            $r.Message | Should -Match "the server's certificate did not verify \(it does not chain to a root in this machine's trust store\)"
            $r.Message | Should -Match '-CaCertificatePath'
        }
    }

    Context 'md5 and MariaDB' {
        It 'does not log into the md5 server, which offers no TLS, and names the md5 hash the function would send' {
            foreach ($allow in $false, $true) {
                $r = Test-RotationDatabaseLogin -SecretId db/postgres-md5 -AllowPlaintextLogin:$allow
                $r.LoginSucceeded | Should -BeNullOrEmpty
                $r.FailureKind | Should -Be 'NoVerifiedTls'
                $r.AuthenticationMethod | Should -Be 'md5'
                $r.TlsUsed | Should -BeFalse
                $r.Message | Should -Match 'The rotation function logs in without TLS \(the server offers no TLS and the secret has no ssl key\) and sends an md5 hash'
            }
        }

        It 'logs in to MariaDB over TLS with mysql_native_password' {
            $r = Test-RotationDatabaseLogin -SecretId db/mariadb
            $r.LoginSucceeded | Should -BeTrue
            $r.Engine | Should -Be 'MariaDb'
            $r.AuthenticationMethod | Should -Be 'mysql_native_password'
            $r.TlsUsed | Should -BeTrue
        }

        It 'learns over verified TLS that a MariaDB refuses the plain login a secret with "ssl": false asks for' {
            $r = Test-RotationDatabaseLogin -SecretId db/mariadb-ssl-false
            $r.LoginSucceeded | Should -BeFalse
            $r.FailureKind | Should -Be 'TlsRequired'
            $r.TlsUsed | Should -BeFalse
            $r.Message | Should -Match "Attempt 1, plain \(no TLS\): not tried"
            $r.Message | Should -Match "TLS with certificate verification, in place of the function's plain login: logged in"
        }
    }

    Context 'user audit' {
        It 'finds the md5 role through the master secret named by masterarn' {
            $out = @(Test-RotationDatabaseLogin -SecretId db/postgres-app -VersionStage AWSCURRENT -IncludeUserAudit)
            $roles = @($out | Where-Object { $_.PSObject.TypeNames -contains 'RotationTroubleshooter.PostgresNonScramRole' })
            $roles.RoleName | Should -Be @('rt_legacy_md5')
            $roles[0].PasswordKind | Should -Be 'md5'
            $roles[0].AuditedAs | Should -Be 'postgres'
            $roles[0].SecretArn | Should -Be $Seed.secrets.'db/postgres-app'
            $roles[0].PSObject.TypeNames | Should -Contain 'RotationTroubleshooter.PostgresNonScramRole'
            @($out | Where-Object { $_.PSObject.TypeNames -contains 'RotationTroubleshooter.DatabaseLoginResult' }) | Should -HaveCount 1
        }

        It 'says why when the secret itself may not read pg_authid, and still reports the login' {
            $out = Test-RotationDatabaseLogin -SecretId db/postgres-ssl-false -IncludeUserAudit -ErrorVariable failures -ErrorAction SilentlyContinue
            $out.FailureKind | Should -Be 'TlsRequired'
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'UserAuditNotPermitted,*'
            $failures[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
            $failures[0].Exception.Message | Should -Match 'no masterarn'
        }

        It 'does not log in for the audit where the login test would not either' {
            $null = Test-RotationDatabaseLogin -SecretId db/postgres-md5 -IncludeUserAudit -AllowPlaintextLogin -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'UserAuditLoginFailed,*'
            $failures[0].Exception.Message | Should -Match 'stopped unanswered: the server asked for md5'
        }

        It 'refuses to audit a MariaDB secret' {
            $null = Test-RotationDatabaseLogin -SecretId db/mariadb -IncludeUserAudit -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'UserAuditNotSupported,*'
        }
    }

    Context 'secrets that cannot be used, and errors' {
        It 'names a non-JSON and a binary secret without their values, and answers the other secrets' {
            $out = 'db/not-json', 'db/postgres-md5', 'db/binary' |
                Test-RotationDatabaseLogin -ErrorVariable failures -ErrorAction SilentlyContinue
            $out.SecretName | Should -Be 'db/postgres-md5'
            $ids = $failures | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] } | Sort-Object
            $ids | Should -Be @('SecretValueBinary', 'SecretValueNotJson')
            $failures | ForEach-Object { $_.CategoryInfo.Category | Should -Be 'InvalidData' }
            ($failures | Where-Object { $_.FullyQualifiedErrorId -like 'SecretValueNotJson*' }).Exception.Message | Should -Match 'not valid JSON'
            ($failures | Where-Object { $_.FullyQualifiedErrorId -like 'SecretValueBinary*' }).Exception.Message | Should -Match 'SecretBinary'
            Assert-NoPassword ($failures | Out-String)
        }

        It 'reports a stage the secret does not have, a missing secret and a bad ARN as errors' {
            $null = Test-RotationDatabaseLogin -SecretId db/postgres-md5 -VersionStage AWSPENDING -ErrorVariable a -ErrorAction SilentlyContinue
            $null = Test-RotationDatabaseLogin -SecretId db/does-not-exist -ErrorVariable b -ErrorAction SilentlyContinue
            $null = Test-RotationDatabaseLogin -SecretId 'arn:aws:secretsmanager:nope' -ErrorVariable c -ErrorAction SilentlyContinue
            $a[0].FullyQualifiedErrorId | Should -BeLike 'StageNotFound,*'
            $a[0].Exception.Message | Should -Match 'AWSCURRENT'
            $b[0].FullyQualifiedErrorId | Should -BeLike 'SecretNotFound,*'
            $b[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $c[0].FullyQualifiedErrorId | Should -BeLike 'InvalidArn,*'
        }

        It 'maps a denied GetSecretValue and a KMS denial (recorded AWS answers) to clear errors' {
            $proxy = Start-AwsProxy -Recorded 'secret-value-denied.json'
            try {
                $out = 'db/gsv-denied', 'db/kms-denied', 'db/postgres-md5' |
                    Test-RotationDatabaseLogin -EndpointUrl $proxy.Url -ErrorVariable failures -ErrorAction SilentlyContinue
            }
            finally { Stop-AwsProxy $proxy }
            $out.SecretName | Should -Be 'db/postgres-md5'
            $byId = @{}; $failures | ForEach-Object { $byId[$_.FullyQualifiedErrorId.Split(',')[0]] = $_ }
            $byId.Keys | Sort-Object | Should -Be @('GetSecretValueDenied', 'KmsAccessDenied')
            $byId['GetSecretValueDenied'].CategoryInfo.Category | Should -Be 'PermissionDenied'
            $byId['GetSecretValueDenied'].Exception.Message | Should -Match 'secretsmanager:GetSecretValue'
            $byId['KmsAccessDenied'].Exception.Message | Should -Match 'kms:Decrypt'
        }

        It 'stops at once on a CA file that holds no certificates' {
            $bad = Join-Path $TestDrive 'not-a-ca.pem'
            Set-Content $bad 'not a certificate'
            { Test-RotationDatabaseLogin -SecretId db/postgres-md5 -CaCertificatePath $bad -ErrorAction Stop } |
                Should -Throw -ErrorId 'CaCertificateInvalid,*'
        }
    }

    Context 'pipeline, caching and output' {
        It 'binds objects by ARN and reads each version once per run however often a secret comes' {
            $proxy = Start-AwsProxy
            try {
                $entry = [pscustomobject]@{ ARN = $Seed.secrets.'db/postgres-app'; Name = 'unused' }
                $out = $entry, 'db/postgres-app' | Test-RotationDatabaseLogin -EndpointUrl $proxy.Url
                $counts = Get-ProxyCount $proxy
            }
            finally { Stop-AwsProxy $proxy }
            $out | Should -HaveCount 6
            $counts['secretsmanager:GetSecretValue'] | Should -Be 3
        }

        It 'shows a table that fits 120 columns, grouped by secret name' {
            $text = Test-RotationDatabaseLogin -SecretId db/postgres-app, db/postgres-closed-port | Out-String -Width 120
            $lines = $text -split "`r?`n"
            $lines | Where-Object { $_.Length -gt 120 } | Should -BeNullOrEmpty
            $text | Should -Match 'Secret: db/postgres-app'
            $text | Should -Match 'Stage\s+Endpoint\s+LoginSucceeded\s+FailureKind\s+AuthenticationMethod\s+TlsUsed\s+DurationMs'
            $text | Should -Match 'AWSPREVIOUS\s+127\.0\.0\.1:\d+\s+False\s+PasswordRejected\s+scram-sha-256\s+True'
        }
    }

    Context 'the password appears nowhere' {
        It 'is in no stream, error, verbose, debug or JSON of the results' {
            $Error.Clear()
            $streams = 'db/postgres-app', 'db/postgres-wrong-db', 'db/postgres-ssl-false', 'db/postgres-md5', 'db/mariadb',
                'db/mariadb-ssl-false', 'db/not-json', 'db/binary' |
                Test-RotationDatabaseLogin -IncludeUserAudit -Verbose -Debug -ErrorAction Continue *>&1
            $results = $streams | Where-Object { $_.PSObject.TypeNames -contains 'RotationTroubleshooter.DatabaseLoginResult' }
            $results | Should -Not -BeNullOrEmpty
            ($streams | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }) | Should -Not -BeNullOrEmpty
            $Error.Count | Should -BeGreaterThan 0

            Assert-NoPassword ($streams | Out-String -Width 500)
            Assert-NoPassword ($streams | ForEach-Object { "$_" } | Out-String)
            Assert-NoPassword ($results | ConvertTo-Json -Depth 5)
            Assert-NoPassword ($streams | Where-Object { $_.PSObject.TypeNames -contains 'RotationTroubleshooter.PostgresNonScramRole' } | ConvertTo-Json -Depth 5)
            Assert-NoPassword ($results | Format-List * | Out-String -Width 500)
            Assert-NoPassword ($Error | ForEach-Object { $_.Exception.ToString(); $_ | Format-List * -Force | Out-String -Width 500 } | Out-String)
        }
    }

    Context 'through Test-SecretRotation -IncludeDatabaseLogin' {
        It 'adds the login conclusions to the diagnosis, and logs in only when asked' {
            Invoke-Scenario configure_rotation -ArgumentList 'db/postgres-closed-port', 'db/postgres-wrong-db' | Out-Null

            $without = Test-SecretRotation -SecretId db/postgres-closed-port -EndpointUrl $env:RT_MOTO_URL -Check DatabaseLogin
            $closed = Test-SecretRotation -SecretId db/postgres-closed-port -EndpointUrl $env:RT_MOTO_URL -IncludeDatabaseLogin -CaCertificatePath $Ca -Check DatabaseLogin
            $wrongDb = Test-SecretRotation -SecretId db/postgres-wrong-db -EndpointUrl $env:RT_MOTO_URL -IncludeDatabaseLogin -CaCertificatePath $Ca -Check DatabaseLogin

            $without.Findings | Should -BeNullOrEmpty
            $closed.Findings.CheckId | Should -Contain 'DatabaseUnreachableFromHere'
            $wrongDb.Findings.CheckId | Should -Contain 'CurrentCredentialsRejected'
            Assert-NoPassword ($closed, $wrongDb | ConvertTo-Json -Depth 10)
        }
    }
}
