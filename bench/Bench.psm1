<# What the bench scripts share: AWS's published rates as the proxy enforces them, and what a run's proxy log says. #>

# AWS's published quotas (docs/reference/rotation.md, "Request quotas"), per account and region, as the throttling
# proxy answers them (tests/fakes/aws_proxy.py --throttle).
$AwsRates = [ordered]@{
    'secretsmanager:ListSecrets' = '100'; 'secretsmanager:DescribeSecret' = '10000'; 'secretsmanager:GetSecretValue' = '10000'
    'lambda:GetFunction' = '100'; 'lambda' = '15'
    'logs:FilterLogEvents' = '5'; 'cloudformation:DescribeStacks' = '5'; 'ec2' = '20/100'
}

function Write-Step([string] $Text) { Write-Host "[$([DateTime]::UtcNow.ToString('HH:mm:ss'))] $Text" }

function Get-ThrottleRule { @($AwsRates.Keys | ForEach-Object { "$_=$($AwsRates[$_])" }) }

<# Requests in a time window: per operation, throttled, not replayed, sequential waves (longest chain of requests each
   starting after the previous ended), and how long the upstream had at least one request to answer. #>
function Measure-Requests($Requests, [double] $LatencyMs, [double] $From = 0, [double] $To = [double]::MaxValue) {
    $in = @($Requests | Where-Object { $_.start -ge $From -and $_.start -le $To } | Sort-Object start)
    $depth = @{}
    $waves = 0
    # Waves compare every request with every earlier one: only for a log short enough to report them.
    if ($in.Count -le 400) {
        for ($i = 0; $i -lt $in.Count; $i++) {
            $d = 1
            for ($j = 0; $j -lt $i; $j++) { if ($in[$j].end -le $in[$i].start -and $depth[$j] + 1 -gt $d) { $d = $depth[$j] + 1 } }
            $depth[$i] = $d
            $waves = [Math]::Max($waves, $d)
        }
    }
    $byOperation = [ordered]@{}
    foreach ($g in $in | Group-Object op | Sort-Object Name) { $byOperation[$g.Name] = $g.Count }
    # Which operations each wave holds, e.g. "1: DescribeSecret; 2: GetFunction; ...".
    $waveOps = if ($in.Count -le 400) {
        (0..($in.Count - 1) | Group-Object { $depth[$_] } | Sort-Object { [int]$_.Name } | ForEach-Object {
                "$($_.Name): $((@($_.Group | ForEach-Object { $in[$_].op.Split(':')[1] }) | Sort-Object -Unique) -join ', ')" }) -join '; '
    }
    # How long the upstream had at least one request to answer: the union of the answer intervals after the added latency.
    $busy = 0.0; $reach = 0.0
    foreach ($r in $in) {
        $from = [Math]::Max($r.start + $LatencyMs / 1000, $reach)
        if ($r.end -gt $from) { $busy += $r.end - $from; $reach = $r.end }
    }
    [pscustomobject]@{
        Total = $in.Count; ByOperation = $byOperation; Throttled = @($in | Where-Object throttled).Count
        # Requests a replaying proxy did not have an answer for (sent to moto instead); 0 when not replaying.
        Missed = @($in | Where-Object { $_.PSObject.Properties['replayed'] -and $_.replayed -eq $false }).Count
        Waves = if ($in.Count -le 400) { $waves } else { $null }; WaveOps = $waveOps; UpstreamBusySeconds = [Math]::Round([double]$busy, 1)
        MeanRoundTripMs = if ($in.Count) { [Math]::Round(($in | ForEach-Object { $_.end - $_.start } | Measure-Object -Average).Average * 1000) } else { 0 }
    }
}

<# The shortest time AWS's quotas allow for one account and region's requests: per bucket, what exceeds its burst
   divided by its rate; the largest of them, the bucket that sets it and its operations. #>
function Get-QuotaFloor($ByOperation) {
    $floor = 0.0; $bound = 'none'
    $buckets = @{}; $perBucket = @{}
    foreach ($op in $ByOperation.Keys) {
        $service = $op.Split(':')[0]
        $key = if ($AwsRates.Contains($op)) { $op } elseif ($AwsRates.Contains($service)) { $service } else { continue }
        $buckets[$key] = [int]$buckets[$key] + $ByOperation[$op]
    }
    foreach ($key in $buckets.Keys) {
        $parts = "$($AwsRates[$key])".Split('/')
        $rate = [double]$parts[0]
        $burst = if ($parts.Count -gt 1) { [double]$parts[1] } else { [Math]::Max(1.0, $rate) }
        $seconds = [Math]::Max(0.0, ($buckets[$key] - $burst) / $rate)
        $perBucket[$key] = $seconds
        if ($seconds -gt $floor) { $floor = $seconds; $bound = "$key ($($buckets[$key]) at $rate/s)" }
    }
    # The operations of every bucket that sets the floor (ties included).
    $setting = @($perBucket.Keys | Where-Object { $floor -gt 0 -and $perBucket[$_] -ge $floor - 0.01 })
    $operations = @($ByOperation.Keys | Where-Object { $_ -in $setting -or ($_ -notin $AwsRates.Keys -and $_.Split(':')[0] -in $setting) })
    [pscustomobject]@{ Seconds = [Math]::Round($floor, 2); BoundBy = $bound; Operations = $operations }
}

<# Per account and region of a proxy log: its requests by operation and its quota floor (of the requests answered:
   a throttled answer's retry is not a request the shard needed). #>
function Get-ShardFloor($Requests) {
    foreach ($g in $Requests | Where-Object { -not $_.throttled } | Group-Object { "$($_.account)/$($_.region)" } | Sort-Object Name) {
        $byOperation = [ordered]@{}
        foreach ($op in $g.Group | Group-Object op | Sort-Object Name) { $byOperation[$op.Name] = $op.Count }
        [pscustomobject]@{ Shard = $g.Name; Requests = $g.Count; Floor = Get-QuotaFloor $byOperation }
    }
}

Export-ModuleMember -Function Write-Step, Get-ThrottleRule, Measure-Requests, Get-QuotaFloor, Get-ShardFloor
