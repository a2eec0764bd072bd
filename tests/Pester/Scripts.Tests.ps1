# The repository's own scripts keep working: every one parses, and the fleet benchmark (not a test, run by hand) still
# runs end to end in its quick mode, so that a broken bench is noticed when it breaks rather than when figures are due.
BeforeDiscovery {
    $root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:Scripts = Get-ChildItem $root -Recurse -File -Include '*.ps1', '*.psm1' |
        Where-Object { $_.FullName.Substring($root.Path.Length) -notmatch '[\\/](out|bin|obj|\.git)[\\/]' } |
        ForEach-Object { @{ Path = [IO.Path]::GetRelativePath($root, $_.FullName); FullName = $_.FullName } }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Root = Resolve-Path (Join-Path $PSScriptRoot '../..')
}

Describe 'PowerShell scripts' {
    It 'finds the repository''s scripts' {
        $Scripts.Path | Should -Contain (Join-Path 'bench' 'Invoke-Benchmark.ps1')
        $Scripts.Path | Should -Contain 'build.ps1'
    }

    It '<Path> parses' -ForEach $Scripts {
        $tokens = $errors = $null
        [void][System.Management.Automation.Language.Parser]::ParseFile($FullName, [ref]$tokens, [ref]$errors)
        $errors | ForEach-Object { "$($Path):$($_.Extent.StartLineNumber): $($_.Message)" } | Should -BeNullOrEmpty
    }
}

Describe 'bench/Invoke-Benchmark.ps1' {
    It 'runs in its quick mode (-SecretCount 200 -SecretsPerShard 10 -MemorySecretCount 0 -NoReadme) and leaves the figures in bench/README.md alone' {
        $readme = Join-Path $Root 'bench/README.md'
        $before = (Get-FileHash $readme).Hash
        # The suite built the module it tests; the bench measures that build.
        $run = Invoke-FreshPwsh "& '$(Join-Path $Root 'bench/Invoke-Benchmark.ps1')' -SecretCount 200 -SecretsPerShard 10 -MemorySecretCount 0 -NoReadme -SkipBuild"

        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match '\| one secret, warm \(module loaded\) \| [^|]* \| \d+ ms, \d+ requests'
        $run.Output | Should -Match '\| sequential request waves, one secret \| at most 4 \| \d+ \(1: DescribeSecret; 2: '
        $run.Output | Should -Match '\| fleet requests \(AWS''s rates\) \| [^|]* \| \d+ per-secret requests for 200 secrets'
        $run.Output | Should -Match '\| fleet wall time, AWS''s rates \| [^|]* \| [\d.]+ s, \d+ throttled answers \| quota floor'
        # Answered from memory: every request of the measured runs was recorded in the run against moto.
        $run.Output | Should -Match '\| fleet wall time, AWS''s rates, answered from memory \| within 1.2x the quota floor \| [\d.]+ s, \d+ throttled answers, 0 of \d+ requests not in memory'
        $run.Output | Should -Match '\| 10 shards [^|]* \| within 1.3x the slowest shard''s quota floor \| [\d.]+ s \(pwsh CPU [\d.]+ s\), 100 diagnosed, 0 errors, 0 Unknown, \d+ throttled answers, 0 of \d+ requests not in memory; grouped by account then region, in plan order'
        $run.Output | Should -Match '\| Import-Module overhead \| [^|]* \| -?\d+ ms'
        (Get-FileHash $readme).Hash | Should -Be $before
    }
}
