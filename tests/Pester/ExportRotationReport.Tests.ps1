# Export-RotationReport in real pwsh against moto, and its page in a real browser (Debian's chromium, headless): every
# secret is in the DOM, a hostile log line shows as text and runs nothing, the chart is drawn; shards diagnosed by two
# separate pwsh processes and written as JSON lines merge into one report. Screenshots: out/test-results/report/.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-TestModulePath
    Import-Module $ModulePath -Force
    Set-TestAwsEnvironment
    $script:Root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:Moto = Reset-TestMoto
    $env:AWS_ENDPOINT_URL = $Moto

    if (-not (Get-Command chromium -CommandType Application -ErrorAction SilentlyContinue)) {
        bash (Join-Path $Root 'tests/browser/install-chromium.sh')
        if ($LASTEXITCODE) { throw 'Chromium is needed to open the report: tests/browser/install-chromium.sh failed.' }
    }
    $script:Artifacts = New-Item -ItemType Directory -Force (Join-Path $Root 'out/test-results/report')
    $script:Work = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "rt-report-$([guid]::NewGuid())")

    <# Runs headless Chromium as root can here (a fresh profile, no network of its own) on a file; returns what it printed. #>
    function Invoke-Chromium([string] $File, [string[]] $Arguments) {
        $profileDir = Join-Path $Work "chromium-$([guid]::NewGuid())"
        $output = & chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking `
            --disable-component-update --disable-sync "--user-data-dir=$profileDir" @Arguments "file://$File" 2>$null
        if ($LASTEXITCODE) { throw "chromium exited with $LASTEXITCODE on $File" }
        $output -join "`n"
    }

    <# What Chromium's console said about the page's Content-Security-Policy while rendering it, and the DOM it built. #>
    function Get-PolicyViolation([string] $File) {
        $log = Join-Path $Work "console-$([guid]::NewGuid()).txt"
        $profileDir = Join-Path $Work "chromium-$([guid]::NewGuid())"
        $dom = & chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking `
            --disable-component-update --disable-sync "--user-data-dir=$profileDir" --enable-logging=stderr --v=0 --dump-dom "file://$File" 2>$log
        [pscustomobject]@{ Dom = $dom -join "`n"; Violations = @(Get-Content $log | Where-Object { $_ -match 'violates the following Content Security Policy' }) }
    }

    <# The page as the browser built it: the DOM after parsing and rendering, serialised. #>
    function Get-RenderedDom([string] $File) { Invoke-Chromium $File @('--dump-dom') }

    function Save-Screenshot([string] $File, [string] $Name, [int] $Height = 2400) {
        $png = Join-Path $Artifacts $Name
        Remove-Item $png -ErrorAction SilentlyContinue
        Invoke-Chromium $File @('--hide-scrollbars', "--window-size=1280,$Height", "--screenshot=$png") | Out-Null
        Get-Item $png
    }

    <# Text as Chromium serialises a text node: &, < and > escaped, quotes as they are. #>
    function ConvertTo-DomText([string] $Text) { $Text.Replace('&', '&amp;').Replace('<', '&lt;').Replace('>', '&gt;') }

    # The demo's broken rotations, one secret whose function logged an attacker's line, and the real pipeline.
    Invoke-Scenario demo_rotations | Out-Null
    $script:Hostile = Invoke-Scenario report -ArgumentList hostile
    $script:Report = Join-Path $Work 'report.html'
    $script:Diagnoses = @(Test-SecretRotation | Export-RotationReport -Path $Report -PassThru)
    Copy-Item $Report (Join-Path $Artifacts 'rotation-report.html')
    $script:Html = Get-Content $Report -Raw
    $script:Dom = Get-RenderedDom $Report
}

AfterAll {
    Remove-Item Env:AWS_ENDPOINT_URL -ErrorAction SilentlyContinue
    if ($Work) { Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Test-SecretRotation | Export-RotationReport -Path report.html' {
    It 'passes every diagnosis through with -PassThru, each with its account and region' {
        $Diagnoses.Count | Should -Be 9
        $Diagnoses[0].PSObject.TypeNames[0] | Should -Be 'RotationTroubleshooter.RotationDiagnosis'
        $Diagnoses.AccountId | Sort-Object -Unique | Should -Be '123456789012'
        $Diagnoses.Region | Sort-Object -Unique | Should -Be 'us-east-1'
        $Diagnoses[0] | Format-List | Out-String | Should -Match 'AccountId\s+: 123456789012\s+Region\s+: us-east-1'
    }

    It 'places a secret it could not describe in the region it was asked in, its account not known, in the report too' {
        # Nothing listens on the endpoint: DescribeSecret fails, and the name alone says no account or region.
        $closed = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $closed.Start(); $port = $closed.LocalEndpoint.Port; $closed.Stop()
        $unreachable = Test-SecretRotation -SecretId report/unreachable -Region eu-west-3 -EndpointUrl "http://127.0.0.1:$port"
        $unreachable.Status | Should -Be Unknown
        $unreachable.Region | Should -Be 'eu-west-3'
        $unreachable.AccountId | Should -BeNullOrEmpty
        $out = Join-Path $Work 'unreachable.html'
        $unreachable | Export-RotationReport -Path $out
        Get-Content $out -Raw | Should -Match '<tr><td class="id nowrap">\(account not known\)</td><td class="id nowrap">eu-west-3</td><td class="num">1</td>'
    }

    It 'writes one self-contained file: nothing to load, no script, a strict Content-Security-Policy' {
        $Html | Should -Match '^<!DOCTYPE html>'
        $Html | Should -Not -Match '<script|<link|<img|<iframe|<object|<[^>]+\ssrc=|@import|url\((?!#)'
        $Html | Should -Match "<meta http-equiv=""Content-Security-Policy"" content=""default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src 'none'; font-src 'none'; script-src 'none';"
        # The only links are to AWS's documentation, opened when clicked.
        [regex]::Matches($Html, 'href="(https?:[^"]+)"') | ForEach-Object { $_.Groups[1].Value } | Where-Object { $_ -notlike 'https://docs.aws.amazon.com/*' } | Should -BeNullOrEmpty
    }

    It 'renders in Chromium with every secret in the DOM, in its account and region' {
        foreach ($d in $Diagnoses) {
            $name = [regex]::Escape((ConvertTo-DomText $d.Name))
            $Dom | Should -Match "<a href=""#secret-\d+"">$name</a></td><td><span class=""badge [^""]+"">[^<]+</span></td><td class=""id nowrap"">$($d.AccountId)</td><td class=""id nowrap"">$($d.Region)</td>" -Because $d.Name
            $Dom | Should -Match "<h3 class=""name"">$name</h3>" -Because "$($d.Name) has its detail"
        }
        $failing = @($Diagnoses | Where-Object Status -eq Failing).Count
        $Dom | Should -Match "<div class=""tile st-failing""><span class=""n"">$failing</span>"
    }

    It 'shows the hostile log line as encoded text: its markup is not markup and nothing from it runs' {
        $hostile = $Diagnoses | Where-Object Name -eq 'report/hostile-log'
        ($hostile.Findings.Evidence -join "`n") | Should -Match 'pwned-by-script' -Because 'the diagnosis quotes the log line'
        # In the page the browser built: the text, escaped; no element, attribute or handler from it.
        $Dom | Should -Match ([regex]::Escape((ConvertTo-DomText $Hostile.markers.script)))
        $Dom | Should -Match ([regex]::Escape((ConvertTo-DomText $Hostile.markers.onerror)))
        $Dom | Should -Not -Match '<script|<img'
        $Dom | Should -Not -Match '<[^>]*\sonerror='
        $Dom | Should -Match '<title>Secrets Manager rotation report</title>' -Because 'a script or handler from the data would have changed the title'
        # Escape sequences are visible symbols, never control characters.
        $Dom | Should -Match ([regex]::Escape('␛]0;owned␇␛[2J'))
        $Dom | Should -Not -Match "[\x1b\x07\x9b\u202e]"
    }

    It 'has a Content-Security-Policy Chromium enforces: its own style applies, a script slipped into the page does not run' {
        (Get-PolicyViolation $Report).Violations | Should -BeNullOrEmpty -Because 'the policy allows the page''s style by its hash'
        # Defence in depth: were a script ever to get into the page, the policy stops it.
        $tampered = Join-Path $Work 'tampered.html'
        $Html.Replace('<main>', '<main><script>document.title="ran"</script>') | Set-Content $tampered
        $run = Get-PolicyViolation $tampered
        $run.Violations -join "`n" | Should -Match "script-src 'none'"
        $run.Dom | Should -Match '<title>Secrets Manager rotation report</title>'
    }

    It 'holds no secret value: the password the run read is masked where the log named it' {
        $Html | Should -Not -Match $Hostile.canary
        $Dom | Should -Not -Match $Hostile.canary
        $Dom | Should -Match 'password authentication failed for user "\*{8}"'
    }

    It 'draws the chart of status by account and region, and keeps a screenshot' {
        $failing = @($Diagnoses | Where-Object Status -eq Failing).Count
        $healthy = @($Diagnoses | Where-Object Status -eq Healthy).Count
        $Dom | Should -Match '<svg [^>]*class="status-chart" role="img"'
        [regex]::Matches($Dom, '<g class="bar">').Count | Should -Be 1
        $Dom | Should -Match "<rect class=""st-failing""[^>]*><title>123456789012 us-east-1: $failing Failing</title></rect>"
        $Dom | Should -Match "<rect class=""st-healthy""[^>]*><title>123456789012 us-east-1: $healthy Healthy</title></rect>"
        $shot = Save-Screenshot $Report 'rotation-report.png'
        $shot.Length | Should -BeGreaterThan 50KB
        [IO.File]::ReadAllBytes($shot.FullName)[1..3] | Should -Be ([byte[]][char[]]'PNG')
    }
}

Describe 'Shards diagnosed by two pwsh processes, written as JSON lines, merge into one report' {
    BeforeAll {
        # Two shards as two jobs would run them: each its own account (reached through the role the module assumes), region and process.
        $script:Shards = @(
            @{ Account = '210987654321'; Region = 'eu-west-1' }
            @{ Account = '345678901234'; Region = 'ap-southeast-2' }
        ) | ForEach-Object {
            $seed = Invoke-Scenario report -ArgumentList shard, $_.Account, $_.Region
            $file = Join-Path $Work "shard-$($_.Account)-$($_.Region).jsonl"
            # The README's job script ("An organisation"), minus the upload: the module assumes the member's role itself.
            $run = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
Test-SecretRotation -AccountId $($_.Account) -OrganizationRoleName RotationAuditor -Region $($_.Region) -EndpointUrl '$Moto' -ErrorVariable failed |
    ForEach-Object { `$_ | ConvertTo-Json -Depth 5 -Compress } | Set-Content '$file'
if (`$failed | Where-Object FullyQualifiedErrorId -like 'ShardFailed,*') { exit 2 }
"@
            if ($run.ExitCode) { throw "The shard's pwsh failed: $($run.Output)" }
            [pscustomobject]@{ Account = $_.Account; Region = $_.Region; File = $file; Secrets = $seed.secrets }
        }
        $script:Merged = Join-Path $Work 'organisation.html'
        $script:PassedOn = @(Get-Content $Shards.File | ConvertFrom-Json | Export-RotationReport -Path $Merged -Title 'Rotation: the organisation' -PassThru -WarningVariable warnings -WarningAction SilentlyContinue)
        $script:MergeWarnings = $warnings
        Copy-Item $Merged (Join-Path $Artifacts 'organisation-report.html')
        $script:MergedDom = Get-RenderedDom $Merged
    }

    It 'wrote one diagnosis per line, each JSON by itself, with its account, region and enumerations as words' {
        foreach ($shard in $Shards) {
            $lines = @(Get-Content $shard.File)
            $lines.Count | Should -Be 2
            foreach ($line in $lines) {
                $d = $line | ConvertFrom-Json
                $d.AccountId | Should -Be $shard.Account
                $d.Region | Should -Be $shard.Region
                $line | Should -Match '"Status":"(Healthy|Failing)"'
                $line | Should -Match '"Severity":"(Error|Info)"'
                $line | Should -Not -Match '"(Status|Severity|Verdict)":\d'
            }
        }
    }

    It 'reports both shards: every secret, each account and region in the table and the chart' {
        $PassedOn.Count | Should -Be 4
        $MergeWarnings | Should -BeNullOrEmpty
        foreach ($shard in $Shards) {
            $MergedDom | Should -Match "<tr><td class=""id nowrap"">$($shard.Account)</td><td class=""id nowrap"">$($shard.Region)</td><td class=""num"">2</td><td class=""num"">1</td>"
            $MergedDom | Should -Match "<title>$($shard.Account) $($shard.Region): 1 Failing</title>"
            foreach ($arn in $shard.Secrets) { $MergedDom | Should -Match ([regex]::Escape($arn)) }
        }
        $MergedDom | Should -Match '4 secrets in 2 accounts and 2 regions; 2 secrets need attention\.'
        [regex]::Matches($MergedDom, '<g class="bar">').Count | Should -Be 2
        (Save-Screenshot $Merged 'organisation-report.png' 1600).Length | Should -BeGreaterThan 50KB
    }

    It 'makes the same page from the JSON lines as from the live objects' {
        $credentials = (Invoke-Scenario report -ArgumentList shard, '456789012345', 'eu-north-1').credentials
        $objects = @(Test-SecretRotation -Region eu-north-1 -AccessKey $credentials.AccessKeyId -SecretKey $credentials.SecretAccessKey -SessionToken $credentials.SessionToken)
        $live = Join-Path $Work 'live.html'
        $read = Join-Path $Work 'read.html'
        $objects | Export-RotationReport -Path $live
        $objects | ForEach-Object { $_ | ConvertTo-Json -Depth 5 -Compress } | ConvertFrom-Json | Export-RotationReport -Path $read
        $objects.Count | Should -Be 2
        (Get-Content $read -Raw) -replace 'Generated [^<]+? by' | Should -Be ((Get-Content $live -Raw) -replace 'Generated [^<]+? by')
    }
}

Describe 'Export-RotationReport: input read back, and files as Export-Csv handles them' {
    BeforeAll {
        $script:Lines = Join-Path $Work 'diagnoses.jsonl'
        $Diagnoses | ForEach-Object { $_ | ConvertTo-Json -Depth 5 -Compress } | Set-Content $Lines
    }

    It 'reads a JSON array and CLIXML in full, as JSON lines' {
        $fromLines = Join-Path $Work 'lines.html'
        Get-Content $Lines | ConvertFrom-Json | Export-RotationReport -Path $fromLines
        $expected = (Get-Content $fromLines -Raw) -replace 'Generated [^<]+? by'
        $expected | Should -Match ([regex]::Escape('pwned-by-script'))

        $fromArray = Join-Path $Work 'array.html'
        $Diagnoses | ConvertTo-Json -Depth 5 | ConvertFrom-Json | Export-RotationReport -Path $fromArray -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings | Should -BeNullOrEmpty
        (Get-Content $fromArray -Raw) -replace 'Generated [^<]+? by' | Should -Be $expected

        $xml = Join-Path $Work 'diagnoses.xml'
        $Diagnoses | Export-Clixml $xml
        $fromXml = Join-Path $Work 'clixml.html'
        Import-Clixml $xml | Export-RotationReport -Path $fromXml -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings | Should -BeNullOrEmpty
        (Get-Content $fromXml -Raw) -replace 'Generated [^<]+? by' | Should -Be $expected
    }

    It 'reads an export cut short (ConvertTo-Json''s default depth, Export-Csv) with its finding ids, and warns that the rest is missing' {
        $shallow = Join-Path $Work 'shallow.html'
        $Diagnoses | ConvertTo-Json -WarningAction SilentlyContinue | ConvertFrom-Json | Export-RotationReport -Path $shallow -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings | Should -Match '^9 diagnoses came with findings or causes cut to their ids'
        Get-Content $shallow -Raw | Should -Match '<span class="id">PendingVersionStuck</span> A version is still labelled AWSPENDING'

        $csv = Join-Path $Work 'diagnoses.csv'
        $Diagnoses | Export-Csv $csv
        $out = Join-Path $Work 'csv.html'
        Import-Csv $csv | Export-RotationReport -Path $out -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings | Should -Match '^9 diagnoses came with findings or causes cut to their ids'
        Get-Content $out -Raw | Should -Match '<span class="id">PendingVersionStuck</span>'
    }

    It 'writes an error for each input that is not a diagnosis, and reports the others' {
        $out = Join-Path $Work 'mixed.html'
        $errors = @()
        $passed = @(@(Get-Content $Lines -First 1), [pscustomobject]@{ Other = 1 }, (Get-Content $Lines -First 2 | ConvertFrom-Json),
            [pscustomobject]@{ Name = 'x'; Status = 'Broken' } |
            Export-RotationReport -Path $out -PassThru -ErrorVariable errors -ErrorAction SilentlyContinue)
        $errors.FullyQualifiedErrorId | Should -Be 'UnrecognizedInput,RotationTroubleshooter.Commands.ExportRotationReportCommand', 'UnrecognizedInput,RotationTroubleshooter.Commands.ExportRotationReportCommand', 'InvalidDiagnosis,RotationTroubleshooter.Commands.ExportRotationReportCommand'
        $errors[0].Exception.Message | Should -Match 'ConvertFrom-Json'
        $errors[2].Exception.Message | Should -Match "Status 'Broken' \(expected one of Healthy, Warning, Failing, NotConfigured, Unknown\)"
        $passed.Count | Should -Be 2
        Get-Content $out -Raw | Should -Match '2 secrets in 1 account'
    }

    It 'shows a secret given twice once, with its later diagnosis, and says so' {
        $out = Join-Path $Work 'twice.html'
        Get-Content $Lines, $Lines | ConvertFrom-Json | Export-RotationReport -Path $out -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings | Should -Match '^9 diagnoses repeated a secret given before'
        Get-Content $out -Raw | Should -Match '9 secrets in 1 account'
    }

    It 'replaces a file by default; -NoClobber keeps it and stops with FileExists before reading input' {
        $out = Join-Path $Work 'existing.html'
        Set-Content $out 'old'
        Get-Content $Lines | ConvertFrom-Json | Export-RotationReport -Path $out
        Get-Content $out -Raw | Should -Match '<!DOCTYPE html>'
        Set-Content $out 'old'
        { Get-Content $Lines | ConvertFrom-Json | Export-RotationReport -Path $out -NoClobber } | Should -Throw -ErrorId 'FileExists,RotationTroubleshooter.Commands.ExportRotationReportCommand'
        Get-Content $out -Raw | Should -Be "old$([Environment]::NewLine)"
    }

    It 'replaces a read-only file only with -Force, and leaves it read-only' {
        $out = Join-Path $Work 'readonly.html'
        Set-Content $out 'old'
        (Get-Item $out).IsReadOnly = $true
        { Get-Content $Lines | ConvertFrom-Json | Export-RotationReport -Path $out } | Should -Throw -ErrorId 'FileReadOnly,RotationTroubleshooter.Commands.ExportRotationReportCommand'
        Get-Content $Lines | ConvertFrom-Json | Export-RotationReport -Path $out -Force
        Get-Content $out -Raw | Should -Match '<!DOCTYPE html>'
        (Get-Item $out).IsReadOnly | Should -BeTrue
    }

    It '-WhatIf writes nothing and says which file it would write with how many secrets' {
        $out = Join-Path $Work 'whatif.html'
        $run = Invoke-FreshPwsh "Import-Module '$ModulePath'; Get-Content '$Lines' | ConvertFrom-Json | Export-RotationReport -Path '$out' -WhatIf"
        $run.Output | Should -Match ([regex]::Escape("What if: Write the rotation report of 9 secrets (8 failing) to '$out'."))
        $out | Should -Not -Exist
    }

    It '-LiteralPath takes brackets as they are; -Path takes a wildcard that names one existing file' {
        $literal = Join-Path $Work 'week [49].html'
        Get-Content $Lines | ConvertFrom-Json | Export-RotationReport -LiteralPath $literal -Title 'Week <49>'
        Test-Path -LiteralPath $literal | Should -BeTrue
        Get-Content -LiteralPath $literal -Raw | Should -Match '<h1>Week &lt;49&gt;</h1>'
        Get-Content $Lines | ConvertFrom-Json | Export-RotationReport -Path (Join-Path $Work 'week ?49?.html') -Title 'Again'
        Get-Content -LiteralPath $literal -Raw | Should -Match '<h1>Again</h1>'
        Set-Content (Join-Path $Work 'many-1.html'), (Join-Path $Work 'many-2.html') 'old'
        { @() | Export-RotationReport -Path (Join-Path $Work 'many-?.html') } | Should -Throw -ErrorId 'PathNamesManyFiles,RotationTroubleshooter.Commands.ExportRotationReportCommand'
        { @() | Export-RotationReport -Path (Join-Path $Work 'no-such-folder/report.html') } | Should -Throw -ErrorId 'PathNotFound,RotationTroubleshooter.Commands.ExportRotationReportCommand'
    }

    It 'has full help with examples' {
        $help = Get-Help Export-RotationReport -Full
        @($help.examples.example).Count | Should -BeGreaterOrEqual 3
        $help.parameters.parameter.name | Should -Contain 'NoClobber'
        ($help.examples.example.code -join "`n") | Should -Match 'ConvertFrom-Json \| Export-RotationReport'
    }
}
