#Requires -Version 7.0
<#
.SYNOPSIS
    Throwaway PostgreSQL 15 and MariaDB servers on loopback for the database-login tests.

.DESCRIPTION
    Start-TestDatabaseServers starts, on free 127.0.0.1 ports, inside one fresh temporary folder:
      - postgresScram: PostgreSQL with ssl=on, hostssl-only access and scram-sha-256 (plain TCP is refused);
      - postgresMd5:   PostgreSQL with ssl=off and md5, so plain logins and the TLS fallback can be tested;
      - mariadb:       MariaDB with TLS and require_secure_transport=ON;
      - unansweredPorts: a closed port (connections refused) and a port that drops SYNs (connections time out).
    Both TLS servers present a certificate for 127.0.0.1/localhost signed by a throwaway CA made here.
    Users, databases and passwords are generated per run and written to <StateDirectory>/servers.json.
    Stop-TestDatabaseServers stops every process named in that file and deletes the temporary folder.
    As root (CI), PostgreSQL runs through `runuser -u postgres` and MariaDB with --user=mysql.
#>

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$script:StateFileName = 'servers.json'
$script:ReadyTimeoutSeconds = 30

function Get-IsRoot { return ((& id -u) -eq '0') }

function Get-FreeLoopbackPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { return $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function New-TestPassword {
    # Alphanumeric only, so it needs no quoting in SQL or on a command line.
    $chars = [char[]]'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'
    $bytes = [System.Security.Cryptography.RandomNumberGenerator]::GetBytes(24)
    return -join ($bytes | ForEach-Object { $chars[$_ % $chars.Length] })
}

function Invoke-Native {
    # Runs a native command, optionally as another user and with text on standard input; throws with its output on failure.
    param(
        [Parameter(Mandatory)][string]$FilePath,
        [string[]]$ArgumentList = @(),
        [string]$AsUser,
        [string]$InputText,
        [string]$What = $FilePath
    )
    if ($AsUser -and (Get-IsRoot)) {
        $ArgumentList = @('-u', $AsUser, '--', $FilePath) + $ArgumentList
        $FilePath = 'runuser'
    }
    $output = if ($PSBoundParameters.ContainsKey('InputText')) {
        $InputText | & $FilePath @ArgumentList 2>&1
    } else {
        & $FilePath @ArgumentList 2>&1
    }
    if ($LASTEXITCODE -ne 0) {
        throw "$What failed (exit code $LASTEXITCODE): $(($output | Out-String).Trim())"
    }
    return ($output | Out-String)
}

function Start-NativeInBackground {
    # Starts a native command without waiting, so slow initialisation steps can overlap.
    param([Parameter(Mandatory)][string]$FilePath, [string[]]$ArgumentList = @(), [string]$What = $FilePath)
    $startInfo = [System.Diagnostics.ProcessStartInfo]::new($FilePath)
    foreach ($argument in $ArgumentList) { $startInfo.ArgumentList.Add($argument) }
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($startInfo)
    return [pscustomobject]@{
        Process = $process; What = $What
        Output = $process.StandardOutput.ReadToEndAsync(); Errors = $process.StandardError.ReadToEndAsync()
    }
}

function Wait-NativeInBackground {
    param([Parameter(Mandatory)]$Job, [Parameter(Mandatory)][datetime]$Deadline)
    $remaining = [math]::Max(0, [int]($Deadline - [datetime]::UtcNow).TotalMilliseconds)
    if (-not $Job.Process.WaitForExit($remaining)) {
        $Job.Process.Kill($true)
        throw "$($Job.What) did not finish within $($script:ReadyTimeoutSeconds) s."
    }
    if ($Job.Process.ExitCode -ne 0) {
        throw "$($Job.What) failed (exit code $($Job.Process.ExitCode)): $($Job.Errors.Result)$($Job.Output.Result)"
    }
}

function Write-StateFile {
    param([Parameter(Mandatory)][string]$StateDirectory, [Parameter(Mandatory)]$State)
    $path = Join-Path $StateDirectory $script:StateFileName
    $State | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $path -Encoding utf8NoBOM
    if (-not $IsWindows) { & chmod 600 $path }
}

function Get-PostgresBinDirectory {
    $candidates = @('/usr/lib/postgresql/15/bin') + @(Get-ChildItem -Path '/usr/lib/postgresql/*/bin' -Directory -ErrorAction SilentlyContinue |
        Sort-Object { [int]$_.Parent.Name } -Descending | ForEach-Object FullName)
    foreach ($dir in $candidates) {
        if (Test-Path (Join-Path $dir 'initdb')) { return $dir }
    }
    throw 'PostgreSQL server binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql/<version>/bin. Install postgresql-15.'
}

function Get-MariaDbServerPath {
    foreach ($name in 'mariadbd', 'mysqld') {
        $cmd = Get-Command $name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if ($cmd) { return $cmd.Source }
        foreach ($dir in '/usr/sbin', '/usr/local/sbin') {
            if (Test-Path "$dir/$name") { return "$dir/$name" }
        }
    }
    return $null
}

function Install-MariaDbServer {
    if (-not (Get-IsRoot)) { throw 'MariaDB (mariadbd) is not installed and this is not root: run `apt-get install -y mariadb-server`.' }
    $env:DEBIAN_FRONTEND = 'noninteractive'
    # Keep the package from starting a system-wide MariaDB service: the tests start their own.
    $policy = '/usr/sbin/policy-rc.d'
    $ownPolicy = -not (Test-Path -LiteralPath $policy)
    if ($ownPolicy) {
        Set-Content -LiteralPath $policy -Value "#!/bin/sh`nexit 101"
        & chmod 755 $policy
    }
    try {
        & apt-get install -y -q mariadb-server *> $null
        if ($LASTEXITCODE -ne 0) {
            # The package lists may be missing or stale on a fresh machine; refresh once and retry.
            Invoke-Native -FilePath 'apt-get' -ArgumentList @('update', '-q') -What 'apt-get update' | Out-Null
            Invoke-Native -FilePath 'apt-get' -ArgumentList @('install', '-y', '-q', 'mariadb-server') -What 'apt-get install mariadb-server' | Out-Null
        }
    } finally {
        if ($ownPolicy) { Remove-Item -LiteralPath $policy -Force }
    }
    $path = Get-MariaDbServerPath
    if (-not $path) { throw 'mariadb-server was installed but neither mariadbd nor mysqld was found.' }
    return $path
}

function New-TestCertificates {
    # A throwaway CA and a server certificate for 127.0.0.1 and localhost, so clients can verify the full chain and host name.
    param([Parameter(Mandatory)][string]$Directory)
    $caKey = Join-Path $Directory 'ca.key'
    $caCrt = Join-Path $Directory 'ca.crt'
    $key = Join-Path $Directory 'server.key'
    $csr = Join-Path $Directory 'server.csr'
    $crt = Join-Path $Directory 'server.crt'
    $ext = Join-Path $Directory 'server.ext'
    Invoke-Native -FilePath 'openssl' -What 'openssl (CA)' -ArgumentList @(
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', $caKey, '-out', $caCrt, '-days', '2',
        '-subj', '/CN=RotationTroubleshooter Test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
        '-addext', 'keyUsage=critical,keyCertSign,cRLSign') | Out-Null
    Invoke-Native -FilePath 'openssl' -What 'openssl (server request)' -ArgumentList @(
        'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', $key, '-out', $csr, '-subj', '/CN=localhost') | Out-Null
    Set-Content -LiteralPath $ext -Value @(
        'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth', 'subjectAltName=IP:127.0.0.1,DNS:localhost')
    Invoke-Native -FilePath 'openssl' -What 'openssl (server certificate)' -ArgumentList @(
        'x509', '-req', '-in', $csr, '-CA', $caCrt, '-CAkey', $caKey, '-CAcreateserial', '-out', $crt,
        '-days', '2', '-sha256', '-extfile', $ext) | Out-Null
    Remove-Item -LiteralPath $csr, $ext, $caKey -Force
    return [pscustomobject]@{ CaCertificate = $caCrt; Certificate = $crt; Key = $key }
}

function Test-OwnedProcess {
    # True when the pid is alive and its command line names our temporary folder (guards against pid reuse).
    param([int]$ProcessId, [string]$Marker)
    if ($ProcessId -le 0) { return $false }
    $cmdline = "/proc/$ProcessId/cmdline"
    if (-not (Test-Path -LiteralPath $cmdline)) { return $false }
    try { $text = [System.IO.File]::ReadAllText($cmdline) } catch { return $false }
    return $text.Contains($Marker)
}

function Get-PidFromFile {
    param([string]$Path)
    if (-not $Path -or -not (Test-Path -LiteralPath $Path)) { return 0 }
    $first = (Get-Content -LiteralPath $Path -TotalCount 1 -ErrorAction SilentlyContinue)
    $id = 0
    if ([int]::TryParse("$first".Trim(), [ref]$id)) { return $id }
    return 0
}

function Initialize-PostgresCluster {
    param(
        [Parameter(Mandatory)][string]$BinDirectory,
        [Parameter(Mandatory)][string]$Directory,
        [Parameter(Mandatory)][int]$Port,
        [Parameter(Mandatory)][string]$SuperuserPassword,
        [Parameter(Mandatory)][ValidateSet('scram-sha-256', 'md5')][string]$AuthMethod,
        $Certificates,
        # A freshly initialised, never started data directory to copy instead of running initdb again (saves seconds).
        [string]$TemplateDataDirectory,
        # With TLS: a user an explicit "hostnossl ... reject" line refuses without TLS (PostgreSQL words that refusal differently).
        [string]$PlainRejectedUser
    )
    $data = Join-Path $Directory 'data'
    if (Get-IsRoot) { & chown -R postgres:postgres $Directory }
    if ($TemplateDataDirectory) {
        Invoke-Native -FilePath 'cp' -AsUser postgres -What 'copying the PostgreSQL data directory' -ArgumentList @('-a', $TemplateDataDirectory, $data) | Out-Null
    } else {
        $pwFile = Join-Path $Directory 'superuser.pw'
        Set-Content -LiteralPath $pwFile -Value $SuperuserPassword -NoNewline
        if (Get-IsRoot) { & chown postgres $pwFile }
        Invoke-Native -FilePath (Join-Path $BinDirectory 'initdb') -AsUser postgres -What "initdb ($AuthMethod cluster)" -ArgumentList @(
            '-D', $data, '-U', 'postgres', "--pwfile=$pwFile", '--auth-local=trust', "--auth-host=$AuthMethod",
            '--no-sync', '--no-instructions', '-E', 'UTF8', '--locale=C') | Out-Null
        Remove-Item -LiteralPath $pwFile -Force
        # Snapshot before any configuration so a second cluster can start from the same files.
        $template = Join-Path $Directory 'template'
        Invoke-Native -FilePath 'cp' -AsUser postgres -What 'snapshotting the PostgreSQL data directory' -ArgumentList @('-a', $data, $template) | Out-Null
    }

    $conf = [System.Collections.Generic.List[string]]@(
        "listen_addresses = '127.0.0.1'", "port = $Port", "unix_socket_directories = '$Directory'",
        "password_encryption = '$AuthMethod'", 'fsync = off', 'synchronous_commit = off', 'full_page_writes = off',
        'max_connections = 30', "shared_buffers = '16MB'", 'log_connections = on')
    if ($Certificates) {
        $conf.AddRange([string[]]@('ssl = on', "ssl_cert_file = '$($Certificates.Certificate)'",
                "ssl_key_file = '$($Certificates.Key)'", "ssl_ca_file = '$($Certificates.CaCertificate)'"))
        # hostssl only: a plain TCP login finds no pg_hba line and is refused ("no pg_hba.conf entry ... no encryption");
        # the explicit reject line makes the server say "pg_hba.conf rejects connection ... no encryption" instead.
        $hba = @('local all all trust')
        if ($PlainRejectedUser) { $hba += "hostnossl all $PlainRejectedUser 127.0.0.1/32 reject" }
        $hba += "hostssl all all 127.0.0.1/32 $AuthMethod"
    } else {
        $conf.Add('ssl = off')
        $hba = @('local all all trust', "host all all 127.0.0.1/32 $AuthMethod")
    }
    Add-Content -LiteralPath (Join-Path $data 'postgresql.conf') -Value $conf
    Set-Content -LiteralPath (Join-Path $data 'pg_hba.conf') -Value $hba
    if (Get-IsRoot) { & chown postgres:postgres (Join-Path $data 'postgresql.conf') (Join-Path $data 'pg_hba.conf') }
    return $data
}

function Start-PostgresCluster {
    param([string]$BinDirectory, [string]$Directory, [string]$DataDirectory)
    # -W: do not wait here; readiness is polled for all servers together.
    Invoke-Native -FilePath (Join-Path $BinDirectory 'pg_ctl') -AsUser postgres -What 'pg_ctl start' -ArgumentList @(
        'start', '-W', '-D', $DataDirectory, '-l', (Join-Path $Directory 'postgres.log')) | Out-Null
}

function Wait-PostgresReady {
    param([string]$BinDirectory, [string]$Directory, [string]$DataDirectory, [int]$Port, [datetime]$Deadline)
    $log = Join-Path $Directory 'postgres.log'
    while ($true) {
        & (Join-Path $BinDirectory 'pg_isready') -q -h $Directory -p $Port 2>$null
        if ($LASTEXITCODE -eq 0) { return }
        if ([datetime]::UtcNow -gt $Deadline) {
            $tail = if (Test-Path $log) { (Get-Content $log -Tail 15) -join "`n" } else { '(no log)' }
            throw "PostgreSQL in $DataDirectory did not accept connections on port $Port within $($script:ReadyTimeoutSeconds) s. Log tail:`n$tail"
        }
        Start-Sleep -Milliseconds 100
    }
}

function Invoke-PostgresSql {
    param([string]$BinDirectory, [string]$Directory, [int]$Port, [string]$Sql)
    Invoke-Native -FilePath (Join-Path $BinDirectory 'psql') -AsUser postgres -InputText $Sql -What 'psql setup' -ArgumentList @(
        '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', $Directory, '-p', "$Port", '-U', 'postgres', '-d', 'postgres', '-f', '-') | Out-Null
}

function Start-MariaDbInstall {
    # mariadb-install-db takes seconds; it runs in the background while PostgreSQL is initialised.
    param([string]$Directory)
    $data = Join-Path $Directory 'data'
    $installDb = @('mariadb-install-db', 'mysql_install_db') | ForEach-Object { Get-Command $_ -ErrorAction SilentlyContinue } | Select-Object -First 1
    if (-not $installDb) { throw 'mariadb-install-db was not found; install mariadb-server.' }
    $installArgs = @('--no-defaults', "--datadir=$data", '--auth-root-authentication-method=normal', '--skip-test-db')
    if (Get-IsRoot) {
        $installArgs += '--user=mysql'
        & chown -R mysql:mysql $Directory
    }
    return Start-NativeInBackground -FilePath $installDb.Source -ArgumentList $installArgs -What 'mariadb-install-db'
}

function Start-MariaDbServer {
    param([string]$ServerPath, [string]$Directory, [int]$Port, $Certificates)
    $data = Join-Path $Directory 'data'

    $serverArgs = @('--no-defaults', "--datadir=$data", "--port=$Port", '--bind-address=127.0.0.1',
        "--socket=$(Join-Path $Directory 'mysqld.sock')", "--pid-file=$(Join-Path $Directory 'mysqld.pid')",
        "--log-error=$(Join-Path $Directory 'mariadb.log')", '--skip-name-resolve', '--innodb-buffer-pool-size=16M',
        '--innodb-log-file-size=16M', '--skip-log-bin', '--innodb-flush-log-at-trx-commit=0',
        "--ssl-ca=$($Certificates.CaCertificate)", "--ssl-cert=$($Certificates.Certificate)", "--ssl-key=$($Certificates.Key)",
        '--require-secure-transport=ON', '--plugin-load-add=auth_ed25519')
    if (Get-IsRoot) { $serverArgs += '--user=mysql' }
    # setsid --fork detaches the server from this shell and from any pipes a caller (e.g. a test fixture) is reading.
    $quoted = ($serverArgs | ForEach-Object { "'" + ($_ -replace "'", "'\''") + "'" }) -join ' '
    $out = Join-Path $Directory 'mariadb.stdout'
    Invoke-Native -FilePath 'bash' -What 'starting mariadbd' -ArgumentList @('-c',
        "exec setsid --fork '$ServerPath' $quoted </dev/null >'$out' 2>&1") | Out-Null
    return $data
}

function Wait-MariaDbReady {
    param([string]$Directory, [int]$Port, [datetime]$Deadline)
    $socket = Join-Path $Directory 'mysqld.sock'
    $log = Join-Path $Directory 'mariadb.log'
    while ($true) {
        if ((Test-Path -LiteralPath $socket) -and (Get-PidFromFile (Join-Path $Directory 'mysqld.pid')) -gt 0) {
            & mariadb-admin --no-defaults "--socket=$socket" -u root --connect-timeout=2 ping *> $null
            if ($LASTEXITCODE -eq 0) { return }
        }
        if ([datetime]::UtcNow -gt $Deadline) {
            $tail = if (Test-Path $log) { (Get-Content $log -Tail 15) -join "`n" } else { '(no log)' }
            throw "MariaDB did not accept connections on port $Port within $($script:ReadyTimeoutSeconds) s. Log tail:`n$tail"
        }
        Start-Sleep -Milliseconds 100
    }
}

function Start-UnansweredPorts {
    # A closed port and a port that drops SYNs (unanswered_ports.py), detached like the servers; its command line names
    # the run's folder, so Stop-TestDatabaseServers finds it.
    param([string]$Directory)
    $python = (Get-Command python3 -CommandType Application | Select-Object -First 1).Source
    $script = Join-Path $PSScriptRoot 'unanswered_ports.py'
    Invoke-Native -FilePath 'bash' -What 'starting unanswered_ports.py' -ArgumentList @('-c',
        "exec setsid --fork '$python' '$script' '$Directory' </dev/null >'$(Join-Path $Directory 'ports.log')' 2>&1") | Out-Null
}

function Wait-UnansweredPorts {
    param([string]$Directory, [datetime]$Deadline)
    $file = Join-Path $Directory 'unanswered-ports.json'
    while (-not (Test-Path -LiteralPath $file)) {
        if ([datetime]::UtcNow -gt $Deadline) {
            throw "unanswered_ports.py reported no ports: $(Get-Content (Join-Path $Directory 'ports.log') -Raw -ErrorAction SilentlyContinue)"
        }
        Start-Sleep -Milliseconds 50
    }
    $ports = Get-Content -LiteralPath $file -Raw | ConvertFrom-Json
    return [ordered]@{ host = '127.0.0.1'; closedPort = $ports.closedPort; droppedSynPort = $ports.droppedSynPort }
}

function Start-TestDatabaseServers {
    <#
    .SYNOPSIS
        Starts the test PostgreSQL clusters and MariaDB server; writes and returns <StateDirectory>/servers.json.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$StateDirectory)

    $null = New-Item -ItemType Directory -Path $StateDirectory -Force
    $StateDirectory = (Resolve-Path -LiteralPath $StateDirectory).ProviderPath
    if (Test-Path -LiteralPath (Join-Path $StateDirectory $script:StateFileName)) {
        Stop-TestDatabaseServers -StateDirectory $StateDirectory
    }

    $pgBin = Get-PostgresBinDirectory
    $mariadbd = Get-MariaDbServerPath
    if (-not $mariadbd) { $mariadbd = Install-MariaDbServer }

    # Everything lives in one world-traversable temp folder: the server users must read the certificates.
    $root = Join-Path ([System.IO.Path]::GetTempPath()) ("rt-dbservers-" + [guid]::NewGuid().ToString('N').Substring(0, 12))
    $null = New-Item -ItemType Directory -Path $root
    & chmod 755 $root
    $state = [ordered]@{
        root = $root
        caCertificatePath = $null
        postgresScram = $null
        postgresMd5 = $null
        mariadb = $null
        unansweredPorts = $null
    }
    Write-StateFile -StateDirectory $StateDirectory -State $state

    try {
        $started = [System.Diagnostics.Stopwatch]::StartNew()
        $certDir = Join-Path $root 'certs'
        $null = New-Item -ItemType Directory -Path $certDir
        $certs = New-TestCertificates -Directory $certDir
        & chmod 644 $certs.CaCertificate $certs.Certificate
        & chmod 600 $certs.Key
        # Each server needs its own copy of the key: PostgreSQL insists the key file is owned by its user with mode 0600.
        $pgKey = Join-Path $certDir 'server-postgres.key'
        $myKey = Join-Path $certDir 'server-mariadb.key'
        Copy-Item -LiteralPath $certs.Key -Destination $pgKey
        Copy-Item -LiteralPath $certs.Key -Destination $myKey
        & chmod 600 $pgKey $myKey
        if (Get-IsRoot) { & chown postgres $pgKey; & chown mysql $myKey }
        $pgCerts = [pscustomobject]@{ CaCertificate = $certs.CaCertificate; Certificate = $certs.Certificate; Key = $pgKey }
        $myCerts = [pscustomobject]@{ CaCertificate = $certs.CaCertificate; Certificate = $certs.Certificate; Key = $myKey }
        $state.caCertificatePath = $certs.CaCertificate

        $scram = [ordered]@{
            host = '127.0.0.1'; port = (Get-FreeLoopbackPort); database = 'rt_appdb'; directory = (Join-Path $root 'pg-scram')
            dataDirectory = $null; pid = 0; superuser = 'postgres'; superuserPassword = (New-TestPassword)
            appUser = 'rt_app'; appPassword = (New-TestPassword)
            legacyMd5User = 'rt_legacy_md5'; legacyMd5Password = (New-TestPassword)
            plainRejectedUser = 'rt_plain_rejected'; plainRejectedPassword = (New-TestPassword)
            authentication = 'scram-sha-256'; tls = 'required'
        }
        $md5 = [ordered]@{
            host = '127.0.0.1'; port = (Get-FreeLoopbackPort); database = 'rt_md5db'; directory = (Join-Path $root 'pg-md5')
            dataDirectory = $null; pid = 0; superuser = 'postgres'; superuserPassword = $scram.superuserPassword
            appUser = 'rt_md5user'; appPassword = (New-TestPassword)
            authentication = 'md5'; tls = 'off'
        }
        $maria = [ordered]@{
            host = '127.0.0.1'; port = (Get-FreeLoopbackPort); database = 'rt_appdb'; directory = (Join-Path $root 'mariadb')
            dataDirectory = $null; pid = 0; appUser = 'rt_app'; appPassword = (New-TestPassword)
            # A user whose plugin differs from the server's default, so the login sees an authentication switch.
            ed25519User = 'rt_ed25519'; ed25519Password = (New-TestPassword)
            authentication = 'mysql_native_password'; tls = 'required'
        }
        foreach ($dir in $scram.directory, $md5.directory, $maria.directory) { $null = New-Item -ItemType Directory -Path $dir }

        $deadline = [datetime]::UtcNow.AddSeconds($script:ReadyTimeoutSeconds)
        $state.postgresScram = $scram
        $state.postgresMd5 = $md5
        $state.mariadb = $maria
        Write-StateFile -StateDirectory $StateDirectory -State $state
        $mariaInstall = Start-MariaDbInstall -Directory $maria.directory
        try {
            $scram.dataDirectory = Initialize-PostgresCluster -BinDirectory $pgBin -Directory $scram.directory -Port $scram.port `
                -SuperuserPassword $scram.superuserPassword -AuthMethod 'scram-sha-256' -Certificates $pgCerts -PlainRejectedUser $scram.plainRejectedUser
            $md5.dataDirectory = Initialize-PostgresCluster -BinDirectory $pgBin -Directory $md5.directory -Port $md5.port `
                -SuperuserPassword $md5.superuserPassword -AuthMethod 'md5' -TemplateDataDirectory (Join-Path $scram.directory 'template')
            Remove-Item -LiteralPath (Join-Path $scram.directory 'template') -Recurse -Force
        } finally {
            Wait-NativeInBackground -Job $mariaInstall -Deadline $deadline
        }

        Start-PostgresCluster -BinDirectory $pgBin -Directory $scram.directory -DataDirectory $scram.dataDirectory
        Start-PostgresCluster -BinDirectory $pgBin -Directory $md5.directory -DataDirectory $md5.dataDirectory
        $maria.dataDirectory = Start-MariaDbServer -ServerPath $mariadbd -Directory $maria.directory -Port $maria.port -Certificates $myCerts
        $portsDirectory = Join-Path $root 'unanswered-ports'
        $null = New-Item -ItemType Directory -Path $portsDirectory
        Start-UnansweredPorts -Directory $portsDirectory
        Write-StateFile -StateDirectory $StateDirectory -State $state

        Wait-PostgresReady -BinDirectory $pgBin -Directory $scram.directory -DataDirectory $scram.dataDirectory -Port $scram.port -Deadline $deadline
        $scram.pid = Get-PidFromFile (Join-Path $scram.dataDirectory 'postmaster.pid')
        Wait-PostgresReady -BinDirectory $pgBin -Directory $md5.directory -DataDirectory $md5.dataDirectory -Port $md5.port -Deadline $deadline
        $md5.pid = Get-PidFromFile (Join-Path $md5.dataDirectory 'postmaster.pid')
        Wait-MariaDbReady -Directory $maria.directory -Port $maria.port -Deadline $deadline
        $maria.pid = Get-PidFromFile (Join-Path $maria.directory 'mysqld.pid')
        $state.unansweredPorts = Wait-UnansweredPorts -Directory $portsDirectory -Deadline $deadline
        Write-StateFile -StateDirectory $StateDirectory -State $state

        Invoke-PostgresSql -BinDirectory $pgBin -Directory $scram.directory -Port $scram.port -Sql @"
CREATE ROLE $($scram.appUser) LOGIN PASSWORD '$($scram.appPassword)';
CREATE DATABASE $($scram.database) OWNER $($scram.appUser);
SET password_encryption = 'md5';
CREATE ROLE $($scram.legacyMd5User) LOGIN PASSWORD '$($scram.legacyMd5Password)';
RESET password_encryption;
CREATE ROLE $($scram.plainRejectedUser) LOGIN PASSWORD '$($scram.plainRejectedPassword)';
"@
        Invoke-PostgresSql -BinDirectory $pgBin -Directory $md5.directory -Port $md5.port -Sql @"
CREATE ROLE $($md5.appUser) LOGIN PASSWORD '$($md5.appPassword)';
CREATE DATABASE $($md5.database) OWNER $($md5.appUser);
"@
        Invoke-Native -FilePath 'mariadb' -What 'mariadb setup' -InputText @"
CREATE DATABASE $($maria.database);
CREATE USER '$($maria.appUser)'@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING PASSWORD('$($maria.appPassword)');
GRANT ALL PRIVILEGES ON $($maria.database).* TO '$($maria.appUser)'@'127.0.0.1';
CREATE USER '$($maria.ed25519User)'@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD('$($maria.ed25519Password)');
"@ -ArgumentList @('--no-defaults', "--socket=$(Join-Path $maria.directory 'mysqld.sock')", '-u', 'root') | Out-Null

        $state.startSeconds = [math]::Round($started.Elapsed.TotalSeconds, 1)
        Write-StateFile -StateDirectory $StateDirectory -State $state
        Write-Verbose "Test database servers ready in $($state.startSeconds) s (state: $(Join-Path $StateDirectory $script:StateFileName))"
        return [pscustomobject]$state
    } catch {
        $failure = $_
        try { Stop-TestDatabaseServers -StateDirectory $StateDirectory } catch { Write-Warning "Cleanup after a failed start also failed: $_" }
        throw "Could not start the test database servers: $($failure.Exception.Message)"
    }
}

function Stop-TestDatabaseServers {
    <#
    .SYNOPSIS
        Stops every server named in <StateDirectory>/servers.json and deletes their temporary folder. Safe to call twice.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$StateDirectory)

    $stateFile = Join-Path $StateDirectory $script:StateFileName
    if (-not (Test-Path -LiteralPath $stateFile)) { return }
    $state = Get-Content -LiteralPath $stateFile -Raw | ConvertFrom-Json
    $root = $state.root
    if (-not $root -or -not $root.Contains('rt-dbservers-')) {
        throw "$stateFile does not name a folder made by Start-TestDatabaseServers; refusing to clean it up."
    }

    # Current pids from the servers' own pid files (the state file may predate them), then the recorded ones.
    $pids = [System.Collections.Generic.List[int]]::new()
    foreach ($pg in $state.postgresScram, $state.postgresMd5) {
        if ($pg -and $pg.dataDirectory) { $pids.Add((Get-PidFromFile (Join-Path $pg.dataDirectory 'postmaster.pid'))) }
        if ($pg) { $pids.Add([int]$pg.pid) }
    }
    if ($state.mariadb) {
        $pids.Add((Get-PidFromFile (Join-Path $state.mariadb.directory 'mysqld.pid')))
        $pids.Add([int]$state.mariadb.pid)
    }
    $owned = @($pids | Where-Object { $_ -gt 0 } | Select-Object -Unique | Where-Object { Test-OwnedProcess -ProcessId $_ -Marker $root })

    # SIGQUIT makes a postmaster stop at once; MariaDB shuts down on SIGTERM. Unowned pids are never signalled.
    foreach ($id in $owned) {
        $cmd = [System.IO.File]::ReadAllText("/proc/$id/cmdline")
        $signal = if ($cmd -match 'postgres') { 'QUIT' } else { 'TERM' }
        & kill "-$signal" $id 2>$null
    }
    $deadline = [datetime]::UtcNow.AddSeconds(10)
    while (@($owned | Where-Object { Test-OwnedProcess -ProcessId $_ -Marker $root }).Count -gt 0 -and [datetime]::UtcNow -lt $deadline) {
        Start-Sleep -Milliseconds 100
    }
    foreach ($id in $owned) {
        if (Test-OwnedProcess -ProcessId $id -Marker $root) { & kill -KILL $id 2>$null }
    }
    # Any child left behind (a backend whose postmaster was killed) still names the folder on its command line or cwd.
    Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -match '^\d+$' | ForEach-Object {
        $id = [int]$_.Name
        if (Test-OwnedProcess -ProcessId $id -Marker $root) { & kill -KILL $id 2>$null }
    }

    if (Test-Path -LiteralPath $root) { Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue }
    Remove-Item -LiteralPath $stateFile -Force
}

Export-ModuleMember -Function Start-TestDatabaseServers, Stop-TestDatabaseServers
