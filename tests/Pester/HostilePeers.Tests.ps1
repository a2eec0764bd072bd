# README "Safety": safe on a hostile network and with hostile text. Fake database servers of our own
# (tests/fakes/hostile_peers.py) ask for the password in clear text, for md5, behind certificates that do not verify,
# and switch MySQL clients to mysql_clear_password, recording every byte they receive; AWS answers, logs, zip names and
# database errors carry escape sequences; log lines carry passwords in every form issue 14 found. Every cmdlet runs
# against that world as a cautious admin would (-Verbose -Debug), through the cmdlets, not the engine.
BeforeDiscovery {
    $script:Peers = 'pg-plain-cleartext', 'pg-plain-md5', 'pg-untrusted-cleartext', 'pg-untrusted-md5', 'mysql-plain-clear', 'mysql-untrusted-clear'
    $script:LoginRuns = foreach ($peer in $Peers) { foreach ($allow in $false, $true) { @{ Peer = $peer; Allow = $allow } } }
    $script:TextCases = @(
        @{ Cmdlet = 'Test-SecretRotation'; Name = 'database login included'; Script = { param($Seed) Test-SecretRotation -SecretId hostile/text -IncludeDatabaseLogin -CaCertificatePath $Seed.ca } }
        @{ Cmdlet = 'Test-RotationDatabaseLogin'; Name = 'with the CA the peer''s certificate verifies against'; Script = { param($Seed) Test-RotationDatabaseLogin -SecretId hostile/text -CaCertificatePath $Seed.ca -TimeoutSeconds 3 } }
        @{ Cmdlet = 'Test-RotationDatabaseLogin'; Name = 'its user audit, whose error quotes the database'; Script = { param($Seed) Test-RotationDatabaseLogin -SecretId hostile/text -CaCertificatePath $Seed.ca -TimeoutSeconds 3 -IncludeUserAudit } }
        @{ Cmdlet = 'Get-RotationFunctionLog'; Name = 'by secret'; Script = { param($Seed) Get-RotationFunctionLog -SecretId hostile/text } }
        @{ Cmdlet = 'Get-RotationFunctionLog'; Name = '-Raw by function'; Script = { param($Seed) Get-RotationFunctionLog -FunctionName hostile-rotation -Raw } }
        @{ Cmdlet = 'Get-RotationFunctionLog'; Name = 'from a file'; Script = { param($Seed) Get-RotationFunctionLog -Path $Seed.logFile -Raw } }
        @{ Cmdlet = 'Test-LibpqScramSupport'; Name = 'by function'; Script = { param($Seed) Test-LibpqScramSupport -FunctionName hostile-rotation } }
        @{ Cmdlet = 'Test-LibpqScramSupport'; Name = 'a local zip'; Script = { param($Seed) Test-LibpqScramSupport -LiteralPath $Seed.zip } }
        @{ Cmdlet = 'Get-RotationFunctionAge'; Name = 'by secret'; Script = { param($Seed) Get-RotationFunctionAge -SecretId hostile/text } }
        @{ Cmdlet = 'Test-RotationNetwork'; Name = 'by secret'; Script = { param($Seed) Test-RotationNetwork -SecretId hostile/text } }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../TestServices.psm1')   # Start-BackgroundProcess, Stop-ServerProcess
    Import-Module (Get-TestModulePath) -Force
    . (Join-Path $PSScriptRoot 'Safety/SafetyHelpers.ps1')
    Set-TestAwsEnvironment
    $script:Work = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "rt-hostile-$([guid]::NewGuid())")
    $python = (Get-Command python3 -CommandType Application | Select-Object -First 1).Source
    $script:PeerProcess = Start-BackgroundProcess $python @((Join-Path $PSScriptRoot '../fakes/hostile_peers.py'), '--state-dir', "$Work") (Join-Path $Work 'peers.log')
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while (-not (Test-Path (Join-Path $Work 'peers.json'))) {
        if ($PeerProcess.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "hostile_peers.py did not start: $(Get-Content (Join-Path $Work 'peers.log') -Raw)" }
        Start-Sleep -Milliseconds 100
    }
    $script:PeerState = Get-Content (Join-Path $Work 'peers.json') -Raw | ConvertFrom-Json
    $script:Ca = $PeerState.caCertificatePath
    Reset-TestMoto | Out-Null
    $script:Code = New-Item -ItemType Directory (Join-Path $Work 'code')
    $script:Seed = Invoke-Scenario hostile -ArgumentList (Join-Path $Work 'peers.json'), $Code
    $Seed | Add-Member ca $Ca
    $script:Proxy = Start-AwsProxy -CodeDirectory $Code
    $env:AWS_ENDPOINT_URL = $Proxy.Url
    $script:Control = [char]0x1b, [char]0x07, [char]0x9b

    <# What a peer received since $Since connections: events and bytes. #>
    function Get-PeerConnection([string] $Peer, [int] $Since = 0) {
        $file = Join-Path $Work "$Peer.jsonl"
        if (-not (Test-Path $file)) { return @() }
        @(Get-Content $file | ForEach-Object { $_ | ConvertFrom-Json } | Select-Object -Skip $Since)
    }

    <# Fails when a peer received the secret's password (the md5 and native hashes are checked byte for byte in xunit's HostilePeerTests). #>
    function Assert-NothingSent($Connections, [string] $Password) {
        $hex = [Convert]::ToHexString([Text.Encoding]::UTF8.GetBytes($Password)).ToLowerInvariant()
        foreach ($connection in $Connections) {
            $connection.received | Should -Not -BeLike "*$hex*"
            $connection.events | Should -Not -Contain 'password-message'
            $connection.events | Should -Not -Contain 'mysql-handshake-response'
            $connection.events | Should -Not -Contain 'mysql-auth-switch-response'
        }
    }

    <#
    Every string a run produced, unformatted (the formatter adds escape sequences of its own, or strips them, depending on
    $PSStyle.OutputRendering): stream messages, every text an error carries, each result's properties at any depth, and
    the results as Export-Csv writes them.
    #>
    function Get-RawText($Run) {
        $texts = [Collections.Generic.List[string]]::new()
        function Add-Strings($Value, [int] $Depth) {
            if ($null -eq $Value -or $Depth -gt 6) { return }
            if ($Value -is [string]) { $texts.Add($Value); return }
            if ($Value -is [ValueType]) { return }
            if ($Value -is [Collections.IEnumerable]) { foreach ($item in $Value) { Add-Strings $item ($Depth + 1) }; return }
            foreach ($property in $Value.PSObject.Properties) { Add-Strings $property.Value ($Depth + 1) }
        }
        foreach ($record in $Run.Records) {
            if ($record -is [Management.Automation.InformationalRecord]) { $texts.Add($record.Message) }
        }
        foreach ($error in @($Run.Errors) + @($Run.Terminating | Where-Object { $_ })) {
            $texts.Add($error.ToString()); $texts.Add([string]$error.TargetObject); $texts.Add($error.ErrorDetails.Message)
            for ($e = $error.Exception; $e; $e = $e.InnerException) { $texts.Add($e.Message) }
        }
        Add-Strings $Run.Results 0
        # As admins export them (README "Safety"): the results, and the lists they hold expanded.
        $texts.Add(($Run.Results | ConvertTo-Csv | Out-String))
        $texts.Add(($Run.Results | ConvertTo-Json -Depth 6 -WarningAction SilentlyContinue | Out-String))
        $texts.Add(($Run.Results | ConvertTo-Html | Out-String))
        foreach ($property in @($Run.Results | ForEach-Object { $_.PSObject.Properties } | Where-Object { $_.Value -is [Collections.IEnumerable] -and $_.Value -isnot [string] })) {
            $texts.Add(($property.Value | ConvertTo-Csv | Out-String))
        }
        $texts -join "`n"
    }
}

AfterAll {
    Remove-Item Env:AWS_ENDPOINT_URL -ErrorAction SilentlyContinue
    if ($Proxy) { Stop-AwsProxy $Proxy }
    if ($PeerProcess) { Stop-ServerProcess $PeerProcess }
    Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'No password, and no hash of one, reaches a database server over an unverified connection' {
    It 'Test-RotationDatabaseLogin against <Peer> (-AllowPlaintextLogin: <Allow>): not tried, and nothing sent' -ForEach $LoginRuns {
        $since = @(Get-PeerConnection $Peer).Count
        $results = @(Test-RotationDatabaseLogin -SecretId "hostile/$Peer" -AllowPlaintextLogin:$Allow -TimeoutSeconds 3)

        $results.Count | Should -Be 1
        $results[0].FailureKind | Should -Be 'NoVerifiedTls'
        $results[0].LoginSucceeded | Should -BeNullOrEmpty
        $results[0].Message | Should -Match 'The rotation function .* To make this test possible'
        $connections = Get-PeerConnection $Peer $since
        $connections.Count | Should -BeGreaterThan 0
        Assert-NothingSent $connections $Seed.passwords.$Peer
    }

    It 'Test-SecretRotation -IncludeDatabaseLogin over every hostile secret says the login was not tested, and sends nothing' {
        $since = @{}; foreach ($peer in $Peers) { $since[$peer] = @(Get-PeerConnection $peer).Count }
        $diagnoses = @($Peers | ForEach-Object { "hostile/$_" } | Test-SecretRotation -IncludeDatabaseLogin -AllowPlaintextLogin)

        $diagnoses.Count | Should -Be $Peers.Count
        foreach ($diagnosis in $diagnoses) {
            ($diagnosis.Findings | Where-Object CheckId -eq DatabaseLoginNotTested).Message | Should -Match 'not tested: Login not tried'
        }
        foreach ($peer in $Peers) { Assert-NothingSent (Get-PeerConnection $peer $since[$peer]) $Seed.passwords.$peer }
    }

    It '-IncludeUserAudit logs in under the same rule' {
        $since = @(Get-PeerConnection pg-untrusted-md5).Count
        $null = Test-RotationDatabaseLogin -SecretId hostile/pg-untrusted-md5 -IncludeUserAudit -AllowPlaintextLogin -TimeoutSeconds 3 -ErrorVariable failures -ErrorAction SilentlyContinue

        $failures.FullyQualifiedErrorId | Should -Contain 'UserAuditLoginFailed,RotationTroubleshooter.Commands.TestRotationDatabaseLoginCommand'
        Assert-NothingSent (Get-PeerConnection pg-untrusted-md5 $since) $Seed.passwords.'pg-untrusted-md5'
    }

    It '-AllowPlaintextLogin answers a scram-sha-256 challenge without TLS, as the template would; without it nothing is sent' {
        $since = @(Get-PeerConnection pg-plain-scram).Count
        $refused = Test-RotationDatabaseLogin -SecretId hostile/pg-plain-scram-ssl-false -TimeoutSeconds 3
        $between = @(Get-PeerConnection pg-plain-scram).Count
        $answered = Test-RotationDatabaseLogin -SecretId hostile/pg-plain-scram-ssl-false -AllowPlaintextLogin -TimeoutSeconds 3

        $refused.FailureKind | Should -Be 'NoVerifiedTls'
        (Get-PeerConnection pg-plain-scram $since | Select-Object -First ($between - $since)).events | Should -Not -Contain 'sasl-response'
        $answered.FailureKind | Should -Be 'PasswordRejected'
        (Get-PeerConnection pg-plain-scram $between).events | Should -Contain 'sasl-response'
        Assert-NothingSent (Get-PeerConnection pg-plain-scram $since) $Seed.passwords.'pg-plain-scram-ssl-false'
    }
}

Describe 'Text from outside reaches no output as terminal control' {
    It '<Cmdlet>, <Name>: no escape, bell or C1 control in any stream, error, result or export (Export-Csv, ConvertTo-Json, ConvertTo-Html), and no password' -ForEach $TextCases {
        $run = Invoke-SafetyCase $_ $Seed
        $text = Get-RawText $run

        $run.Terminating | Should -BeNullOrEmpty
        ($run.Results.Count + $run.Errors.Count) | Should -BeGreaterThan 0
        foreach ($control in $Control) { $text.Contains($control) | Should -BeFalse -Because "a raw U+$(([int]$control).ToString('X4')) would drive the terminal" }
        $text.Contains($Seed.text) | Should -BeFalse -Because 'hostile/text''s password is also its user name'
        $text | Should -Not -Match 'System\.(String|Object)\[\]|System\.Collections' -Because 'exports show words, not type names'
    }

    It 'shows what the attacker sent, made visible' {
        $run = Invoke-SafetyCase @{ Cmdlet = 'Get-RotationFunctionLog'; Script = { Get-RotationFunctionLog -FunctionName hostile-rotation -Raw } } $Seed
        Get-RawText $run | Should -Match ([regex]::Escape("$([char]0x241B)]0;owned$([char]0x2407)"))
        $login = Test-RotationDatabaseLogin -SecretId hostile/text -CaCertificatePath $Ca -TimeoutSeconds 3
        $login.Message | Should -Match 'is locked'
        $login.Message | Should -Match ([regex]::Escape("$([char]0x241B)[2J"))
        $null = Test-RotationDatabaseLogin -SecretId hostile/text -CaCertificatePath $Ca -TimeoutSeconds 3 -IncludeUserAudit -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].Exception.Message | Should -Match ([regex]::Escape("is locked"))
        $failures[0].Exception.Message | Should -Match ([regex]::Escape("$([char]0x241B)]0;owned$([char]0x2407)"))
    }
}

Describe 'A password in a log line or an output field is masked' {
    It 'in every form the log redactor knows: URI, pass=, "pw":, JSON escaped twice, a value with spaces, client_secret=' {
        $run = Invoke-SafetyCase @{ Cmdlet = 'Get-RotationFunctionLog'; Script = { Get-RotationFunctionLog -FunctionName hostile-rotation -Raw } } $Seed
        $text = Get-RawText $run
        $text | Should -Match 'postgresql://app:\*\*\*@db\.example'
        foreach ($canary in $Seed.patternCanaries) { $text.Contains($canary) | Should -BeFalse -Because "$canary is a password in a log line" }
    }

    It 'a password the run read is masked where the user name would show it' {
        $run = Invoke-SafetyCase @{ Cmdlet = 'Test-RotationDatabaseLogin'; Script = { param($Seed) Test-RotationDatabaseLogin -SecretId hostile/text -CaCertificatePath $Seed.ca -TimeoutSeconds 3 } } $Seed
        $text = Get-RawText $run
        $run.Results[0].UserName | Should -Be '********'
        $text.Contains($Seed.text) | Should -BeFalse
    }
}
