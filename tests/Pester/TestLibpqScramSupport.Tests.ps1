BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    Set-TestAwsEnvironment
    $script:Moto = Reset-TestMoto
    $native = Initialize-NativeBundles libpq
    $script:Work = $native.Work; $script:Fixtures = $native.Fixtures; $script:CodeDir = $native.CodeDir
    $script:Seed = Invoke-Scenario libpq_bundles
    # moto's Code.Location names a host it does not serve: the proxy rewrites it and serves the bundles itself.
    $script:Proxy = Start-AwsProxy -CodeDirectory $CodeDir -ExpiredCode rotation-expired -FlakyCode rotation-flaky
    $PSDefaultParameterValues['Test-LibpqScramSupport:EndpointUrl'] = $Proxy.Url

    $script:OldZip = Join-Path $CodeDir 'functions/rotation-pg-old.zip'
    $script:PsycopgZip = Join-Path $CodeDir 'functions/rotation-psycopg2.zip'
    $script:Account = '123456789012'
    function Get-ErrorId($ErrorRecord) { $ErrorRecord.FullyQualifiedErrorId.Split(',')[0] }
}

AfterAll {
    Stop-AwsProxy $Proxy
    $PSDefaultParameterValues.Remove('Test-LibpqScramSupport:EndpointUrl')
    Remove-Item Env:RT_FIXTURES, Env:RT_CODE_DIR -ErrorAction SilentlyContinue
    Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Test-LibpqScramSupport' {
    Context 'a live function (-FunctionName), downloaded from its presigned Code.Location' {
        It 'says the libpq of an old bundle (RUNPATH PostgreSQL-9.4.x) cannot do scram-sha-256' {
            $report = Test-LibpqScramSupport -FunctionName rotation-pg-old

            $report | Should -HaveCount 1
            $report.PSObject.TypeNames | Should -Contain 'RotationTroubleshooter.LibpqReport'
            $report.Source | Should -Be 'rotation-pg-old'
            $report.Path | Should -Be 'libpq.so.5'
            $report.RunPath | Should -Match 'PostgreSQL-9\.4\.x_client_only'
            $report.LibpqMajorVersion | Should -Be 9
            $report.SupportsScramSha256 | Should -BeFalse
            $report.Driver | Should -Be 'PyGreSQL'
            $report.Evidence -join "`n" | Should -Match 'Used by _pg\.cpython-39-x86_64-linux-gnu\.so \(PyGreSQL\): NEEDED libpq\.so\.5'
            $report.Evidence -join "`n" | Should -Match 'not PQencryptPasswordConn'
        }

        It 'says the libpq of a new bundle (RUNPATH PostgreSQL-10.x) can' {
            $report = Test-LibpqScramSupport -FunctionName rotation-pg-new

            $report.LibpqMajorVersion | Should -Be 10
            $report.SupportsScramSha256 | Should -BeTrue
            $report.Driver | Should -Be 'PyGreSQL'
            $report.Evidence -join "`n" | Should -Match 'Exports PQencryptPasswordConn'
        }

        It "judges a psycopg2-binary wheel's renamed libpq (the machine's real libpq 15, no RUNPATH)" {
            $report = Test-LibpqScramSupport -FunctionName rotation-psycopg2

            $report.Path | Should -Be 'psycopg2_binary.libs/libpq-be3d6e4e.so.5.15'
            $report.RunPath | Should -BeNullOrEmpty
            $report.LibpqMajorVersion | Should -Be 15
            $report.SupportsScramSha256 | Should -BeTrue
            $report.Driver | Should -Be 'Psycopg2'
        }

        It "finds the libpq a module loads from one of the function's layers (GetLayerVersionByArn)" {
            $report = Test-LibpqScramSupport -FunctionName rotation-pg-layer

            $report | Should -HaveCount 1
            $report.Source | Should -Be $Seed.layer
            $report.Path | Should -Be 'lib/libpq.so.5'
            $report.SupportsScramSha256 | Should -BeTrue
            $report.Evidence -join "`n" | Should -Match 'rotation-pg-layer: _pg\.cpython-39-x86_64-linux-gnu\.so.*/opt/lib'
        }

        It 'answers plainly for a bundle with no PostgreSQL client' {
            $report = Test-LibpqScramSupport -FunctionName rotation-no-client

            $report | Should -HaveCount 1
            $report.Driver | Should -Be 'None'
            $report.Path | Should -BeNullOrEmpty
            $report.SupportsScramSha256 | Should -BeNullOrEmpty
            $report.Evidence -join "`n" | Should -Match 'No PostgreSQL client in 1 files'
        }

        It 'reports a container image function as not inspectable, without downloading anything' {
            $counting = Start-AwsProxy -CodeDirectory $CodeDir
            try {
                $report = Test-LibpqScramSupport -FunctionName rotation-image -EndpointUrl $counting.Url -ErrorVariable failures

                $failures | Should -BeNullOrEmpty
                $report.Source | Should -Be 'rotation-image'
                $report.Path | Should -BeNullOrEmpty
                $report.SupportsScramSha256 | Should -BeNullOrEmpty
                $report.Evidence[0] | Should -Match 'container image \(PackageType Image, 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com/rotation:latest\)'
                (Get-ProxyCount $counting)['s3:GetObject'] | Should -BeNullOrEmpty
            }
            finally { Stop-AwsProxy $counting }
        }

        It 'accepts a function ARN and binds FunctionName, FunctionArn and RotationLambdaARN from the pipeline' {
            $arn = "arn:aws:lambda:us-east-1:${Account}:function:rotation-pg-new"
            (Test-LibpqScramSupport -FunctionName $arn).Source | Should -Be 'rotation-pg-new'

            $reports = [pscustomobject]@{ FunctionName = 'rotation-pg-old' },
                [pscustomobject]@{ FunctionArn = $arn },
                [pscustomobject]@{ RotationLambdaARN = "arn:aws:lambda:us-east-1:${Account}:function:rotation-psycopg2" } | Test-LibpqScramSupport
            $reports.Source | Sort-Object | Should -Be @('rotation-pg-new', 'rotation-pg-old', 'rotation-psycopg2')
        }

        It 'downloads a function named twice in one run once' {
            $counting = Start-AwsProxy -CodeDirectory $CodeDir
            try {
                $reports = Test-LibpqScramSupport -FunctionName rotation-pg-old, "arn:aws:lambda:us-east-1:${Account}:function:rotation-pg-old" -EndpointUrl $counting.Url

                $reports | Should -HaveCount 2
                (Get-ProxyCount $counting)['s3:GetObject'] | Should -Be 1
            }
            finally { Stop-AwsProxy $counting }
        }

        It 'retries a download S3 answers with 503 SlowDown' {
            $flaky = Start-AwsProxy -CodeDirectory $CodeDir -FlakyCode rotation-flaky
            try {
                $report = Test-LibpqScramSupport -FunctionName rotation-flaky -EndpointUrl $flaky.Url

                $report.SupportsScramSha256 | Should -BeTrue
                (Get-ProxyCount $flaky)['s3:GetObject'] | Should -Be 2
            }
            finally { Stop-AwsProxy $flaky }
        }
    }

    Context 'a secret (-SecretId): its rotation function' {
        It 'inspects the rotation function of secrets piped by name and by ARN-shaped objects' {
            $reports = 'prod/pg/old', [pscustomobject]@{ ARN = $Seed.secrets.'prod/pg/new' } | Test-LibpqScramSupport

            ($reports | Where-Object Source -eq 'rotation-pg-old').SupportsScramSha256 | Should -BeFalse
            ($reports | Where-Object Source -eq 'rotation-pg-new').SupportsScramSha256 | Should -BeTrue
        }

        It 'says so when the secret has no rotation function, and answers the other secrets' {
            $reports = Test-LibpqScramSupport -SecretId prod/no-rotation, prod/pg/new, prod/missing -ErrorVariable failures -ErrorAction SilentlyContinue

            $reports.Source | Should -Be 'rotation-pg-new'
            $byId = $failures | Group-Object { Get-ErrorId $_ } -AsHashTable
            $byId['RotationNotConfigured'].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $byId['RotationNotConfigured'].TargetObject | Should -Be 'prod/no-rotation'
            $byId['SecretNotFound'].TargetObject | Should -Be 'prod/missing'
        }
    }

    Context 'offline (-Path, -LiteralPath): no AWS call' {
        It 'reads a zip' {
            $report = Test-LibpqScramSupport -Path $OldZip

            $report.Source | Should -Be $OldZip
            $report.SupportsScramSha256 | Should -BeFalse
            $report.LibpqMajorVersion | Should -Be 9
        }

        It 'reads an unpacked bundle folder' {
            $folder = Join-Path $Work 'unpacked-psycopg2'
            Expand-Archive $PsycopgZip $folder -Force

            $report = Test-LibpqScramSupport -Path $folder
            $report.Path | Should -Be 'psycopg2_binary.libs/libpq-be3d6e4e.so.5.15'
            $report.Driver | Should -Be 'Psycopg2'
            $report.SupportsScramSha256 | Should -BeTrue
        }

        It 'reads single shared objects: the real libpq (15) and an old libpq-like build' {
            $old = Join-Path $Fixtures 'libpq94/libpq.so.5'
            $reports = Test-LibpqScramSupport -Path /usr/lib/x86_64-linux-gnu/libpq.so.5, $old

            $reports.Source | Should -Be @('/usr/lib/x86_64-linux-gnu/libpq.so.5', $old) # in the order given
            $real = $reports[0]
            # Named libpq.so.5 (the symbolic link), only its exports date it: PQenterPipelineMode, 14 or later.
            $real.LibpqMajorVersion | Should -Be 14
            $real.Evidence -join "`n" | Should -Match 'LibpqMajorVersion 14 is a lower bound'
            $real.SupportsScramSha256 | Should -BeTrue
            $reports[1].SupportsScramSha256 | Should -BeFalse
        }

        It 'expands wildcards, and takes Get-ChildItem output by PSPath' {
            $byWildcard = Test-LibpqScramSupport -Path (Join-Path $CodeDir 'functions/rotation-pg-*.zip')
            $byWildcard.Source | ForEach-Object { Split-Path $_ -Leaf } | Sort-Object |
                Should -Be @('rotation-pg-layer.zip', 'rotation-pg-new.zip', 'rotation-pg-old.zip')

            $piped = Get-ChildItem (Join-Path $CodeDir 'functions') -Filter 'rotation-pg-ne*.zip' | Test-LibpqScramSupport
            $piped.SupportsScramSha256 | Should -BeTrue
        }

        It 'reads bundles with no AWS credentials or region anywhere' {
            $result = Invoke-FreshPwsh @"
Import-Module '$(Get-TestModulePath)'
`$r = Test-LibpqScramSupport -Path '$OldZip' -ErrorAction Stop
"Scram=`$(`$r.SupportsScramSha256) Major=`$(`$r.LibpqMajorVersion)"
"@ -Environment @{ AWS_ACCESS_KEY_ID = $null; AWS_SECRET_ACCESS_KEY = $null; AWS_REGION = $null; AWS_DEFAULT_REGION = $null
                AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials'; AWS_CONFIG_FILE = '/nonexistent/config'; HOME = $Work }

            $result.Output | Should -Match 'Scram=False Major=9'
        }

        It 'reports a corrupt zip, a missing path and a zip bomb as errors with stable ids, and goes on' {
            $corrupt = Join-Path $Work 'corrupt.zip'
            [IO.File]::WriteAllBytes($corrupt, [IO.File]::ReadAllBytes($OldZip)[0..999])
            $bomb = Join-Path $Work 'bomb.zip'
            python3 -c "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED); z.writestr('libpq.so.5', bytes(270*1024*1024)); z.close()" $bomb

            $reports = Test-LibpqScramSupport -Path $corrupt, (Join-Path $Work 'nothing-here.zip'), $bomb, $OldZip -ErrorVariable failures -ErrorAction SilentlyContinue

            $reports.Source | Should -Be $OldZip
            $failures | ForEach-Object { Get-ErrorId $_ } | Sort-Object | Should -Be @('BundleCorrupt', 'BundleTooLarge', 'PathNotFound')
            $byId = $failures | Group-Object { Get-ErrorId $_ } -AsHashTable
            $byId['BundleCorrupt'].CategoryInfo.Category | Should -Be 'InvalidData'
            $byId['BundleCorrupt'].TargetObject | Should -Be $corrupt
            $byId['BundleTooLarge'].CategoryInfo.Category | Should -Be 'LimitsExceeded'
            $byId['BundleTooLarge'].Exception.Message | Should -Match "Lambda's unzipped limit"
            $byId['PathNotFound'].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'reports a file that is not ELF instead of failing' {
            $text = Join-Path $Work 'libpq.so.5'
            Set-Content $text 'not a shared object'

            $report = Test-LibpqScramSupport -Path $text
            $report.SupportsScramSha256 | Should -BeNullOrEmpty
            $report.Evidence -join "`n" | Should -Match 'not an ELF file|could not be read'
        }
    }

    Context 'errors on the live path' {
        It 'reports a corrupt download as BundleCorrupt and still answers the other functions' {
            $reports = Test-LibpqScramSupport -FunctionName rotation-corrupt, rotation-pg-new -ErrorVariable failures -ErrorAction SilentlyContinue

            $reports.Source | Should -Be 'rotation-pg-new'
            Get-ErrorId $failures[0] | Should -Be 'BundleCorrupt'
            $failures[0].CategoryInfo.Category | Should -Be 'InvalidData'
            $failures[0].TargetObject | Should -Be 'rotation-corrupt'
        }

        It 'asks Lambda for a fresh URL once when S3 answers 403, then says the download was refused, never showing the presigned query' {
            $expired = Start-AwsProxy -CodeDirectory $CodeDir -ExpiredCode rotation-expired
            try {
                Test-LibpqScramSupport -FunctionName rotation-expired -EndpointUrl $expired.Url -ErrorVariable failures -ErrorAction SilentlyContinue -Verbose 4>&1 |
                    Out-String | Should -Not -Match 'X-Amz-Signature'

                Get-ErrorId $failures[0] | Should -Be 'BundleDownloadDenied'
                $failures[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
                $failures[0].Exception.Message | Should -Match 'HTTP 403 AccessDenied: Request has expired'
                $failures[0].Exception.Message | Should -Not -Match 'X-Amz-Signature'
                $counts = Get-ProxyCount $expired
                $counts['lambda:GetFunction'] | Should -Be 2
                $counts['s3:GetObject'] | Should -Be 2
            }
            finally { Stop-AwsProxy $expired }
        }

        It 'reports an object S3 does not have as BundleDownloadNotFound' {
            Test-LibpqScramSupport -FunctionName rotation-no-object -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

            Get-ErrorId $failures[0] | Should -Be 'BundleDownloadNotFound'
            $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'reports a missing function as FunctionNotFound' {
            Test-LibpqScramSupport -FunctionName no-such-function -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

            Get-ErrorId $failures[0] | Should -Be 'FunctionNotFound'
            $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }

    Context 'display' {
        It 'shows a table readable at 120 columns, grouped by bundle' {
            $text = Test-LibpqScramSupport -FunctionName rotation-psycopg2 | Out-String -Width 120

            $text | Should -Match 'Source: rotation-psycopg2'
            $text | Should -Match 'Path\s+LibpqMajorVersion\s+SupportsScramSha256\s+Driver'
            $text | Should -Match 'psycopg2_binary.libs/libpq-be3d6e4e.so.5.15\s+15\s+True\s+Psycopg2'
            $text -split "`n" | ForEach-Object { $_.TrimEnd().Length } | Measure-Object -Maximum |
                ForEach-Object Maximum | Should -BeLessOrEqual 120
        }

        It 'shows unknown verdicts and bundles without a client in words' {
            $text = Test-LibpqScramSupport -FunctionName rotation-no-client, rotation-image | Out-String -Width 120

            $text | Should -Match '\(no PostgreSQL client\)\s+\?\s+unknown\s+None'
            $text | Should -Match '\(not inspected\)\s+\?\s+unknown\s+Unknown'
        }

        It 'lists the evidence one line each in Format-List' {
            $text = Test-LibpqScramSupport -Path $OldZip | Format-List | Out-String -Width 200

            $text | Should -Match 'SupportsScramSha256 : False'
            $text | Should -Match '(?m)^\s+RUNPATH names PostgreSQL 9\.4: libpq 9'
        }
    }
}
