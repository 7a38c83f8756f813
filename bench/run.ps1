#Requires -Version 7.4
<#
.SYNOPSIS
    Speed, memory and disk benchmark of backup and restore on a local repository (issue: foundation), with stream
    rows (-FromCommand cat / -ToCommand sha256sum, issue 11) next to the file rows for random data.
.DESCRIPTION
    For 1 GiB of random data and 1 GiB of mixed data (half log-like text, half random) it measures, each in a fresh
    pwsh process: backup and restore MB/s, peak RSS (GNU time), and peak extra disk (the most bytes that the run had
    in its temp directory plus any file other than the repository's own and the restored file). Next to each speed it
    reports the speed of `openssl dgst -sha256` over the same file measured in the same run (one hashing pass: the
    reference limit), and for mixed data the size `zstd -3` makes of it. Writes a Markdown table to
    output/bench/results.md (copied into docs/PERFORMANCE.md by hand). -Format picks the backup format (default 2,
    what a backup without -Format makes; -Format 1 for the parts rows of issues 9 and 11). bench/dedup.ps1 measures
    format 2 against its own targets (bytes added, unchanged backups).
    Public tools only: openssl, zstd, GNU time (Debian packages openssl, zstd, time).
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../output/OnedriveOffsite/OnedriveOffsite.psd1'),
    [long] $Size = 1GB,
    [string] $WorkDirectory = (Join-Path $PSScriptRoot '../output/bench'),
    # Where the repository and the restored files go (default: beside the samples). Point it at a tmpfs such as
    # /dev/shm to measure the engine rather than the disk's fsync speed.
    [string] $RepositoryDirectory,
    # The Graph emulator (built with the solution); its runs measure the OneDrive path over loopback.
    [string] $EmulatorPath = (Join-Path $PSScriptRoot '../tests/GraphEmulator/bin/Release/net8.0/GraphEmulator.dll'),
    [switch] $SkipOneDrive,
    # Which samples to run: 'random' alone gives the file and stream rows (issue 11) in half the time.
    [ValidateSet('random', 'mixed')]
    [string[]] $Samples = @('random', 'mixed'),
    # Backup, restore and the openssl reference are each run this many times; rows show the median run and list
    # every run's MB/s (a single run on a shared 2-vCPU machine varies by ±30 %).
    [ValidateRange(1, 9)]
    [int] $Repeat = 3,
    # The backup format measured (2, deduplicated, is what a backup without -Format makes; 1 for the older rows).
    [ValidateSet(1, 2)]
    [int] $Format = 2
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot 'SampleData.psm1') -Force
Import-Module (Join-Path $PSScriptRoot 'BenchStats.psm1') -Force
foreach ($tool in 'openssl', 'zstd', '/usr/bin/time') {
    if (-not (Get-Command $tool -ErrorAction SilentlyContinue)) { throw "The benchmark needs '$tool' (apt-get install openssl zstd time)." }
}
$ModulePath = (Resolve-Path $ModulePath).Path
$work = New-Item -ItemType Directory -Force -Path $WorkDirectory
$pwsh = (Get-Process -Id $PID).Path
# Under `dotnet pwsh` the process is dotnet and the first argument is pwsh.dll.
$pwshArgs = if ((Split-Path $pwsh -Leaf) -like 'dotnet*') { @([Environment]::GetCommandLineArgs()[0]) } else { @() }

function Get-FaultCount($Stats) {
    $sum = 0
    foreach ($p in $Stats.faultsInjected.PSObject.Properties) { $sum += [int]$p.Value }
    $sum
}

function Measure-Seconds([scriptblock] $Block) {
    $w = [Diagnostics.Stopwatch]::StartNew(); & $Block | Out-Null; $w.Elapsed.TotalSeconds
}

# Every file under the directories (hidden ones too; a missing directory has none). .NET's enumeration, not
# Get-ChildItem: sampled every 100 ms beside the measured process on a 2-vCPU machine, Get-ChildItem and a Where-Object
# per file over a format 2 repository's packs took enough CPU to slow the measured run by a third.
function Get-FileList([string[]] $Directories) {
    $options = [IO.EnumerationOptions]@{ RecurseSubdirectories = $true; IgnoreInaccessible = $true; AttributesToSkip = 0 }
    foreach ($d in $Directories) {
        if ($d -and [IO.Directory]::Exists($d)) {
            try { [IO.DirectoryInfo]::new($d).EnumerateFiles('*', $options) } catch [IO.IOException] { } # removed meanwhile
        }
    }
}

# Runs one OnedriveOffsite command in a fresh pwsh under GNU time while sampling extra disk use.
function Invoke-Measured([string] $Script, [string] $TempDir, [string[]] $Watched, [string[]] $Expected) {
    $timeFile = Join-Path $work 'time.txt'
    $scriptFile = Join-Path $work 'step.ps1'
    # The command is timed inside the process (pwsh start-up and module import are not part of a backup's speed);
    # GNU time still measures the whole process for peak RSS.
    Set-Content -LiteralPath $scriptFile -Value ("`$ErrorActionPreference='Stop'; Import-Module '$ModulePath'; `$w = [Diagnostics.Stopwatch]::StartNew(); " +
        "$Script; 'SECONDS=' + `$w.Elapsed.TotalSeconds.ToString([Globalization.CultureInfo]::InvariantCulture)")
    $psi = [Diagnostics.ProcessStartInfo]::new('/usr/bin/time')
    foreach ($a in @('-f', '%M %e %U %S', '-o', $timeFile, $pwsh) + $pwshArgs + @('-NoProfile', '-NonInteractive', '-File', $scriptFile)) { $psi.ArgumentList.Add($a) }
    $psi.Environment['TMPDIR'] = $TempDir
    $psi.Environment['ONEDRIVE_OFFSITE_HOME'] = $env:ONEDRIVE_OFFSITE_HOME
    $psi.RedirectStandardOutput = $true
    $process = [Diagnostics.Process]::Start($psi)
    $patterns = @($Expected | ForEach-Object { [Management.Automation.WildcardPattern]::new($_) })
    $peakExtra = 0L
    while (-not $process.HasExited) {
        $extra = 0L
        foreach ($file in Get-FileList @($TempDir)) { $extra += $file.Length }
        foreach ($file in Get-FileList $Watched) {
            $known = $false
            foreach ($pattern in $patterns) { if ($pattern.IsMatch($file.Name)) { $known = $true; break } }
            if (-not $known) { $extra += $file.Length }
        }
        $peakExtra = [Math]::Max($peakExtra, [long]$extra)
        Start-Sleep -Milliseconds 100
    }
    $output = $process.StandardOutput.ReadToEnd()
    if ($process.ExitCode -ne 0) { throw "Benchmark step failed: $output" }
    $rssKiB, $wall, $user, $sys = (Get-Content $timeFile -Tail 1) -split ' '
    $seconds = [double](($output -split "`n" | Where-Object { $_ -like 'SECONDS=*' } | Select-Object -Last 1) -replace 'SECONDS=', '')
    $output = ($output -split "`n" | Where-Object { $_ -notlike 'SECONDS=*' }) -join "`n"
    [pscustomobject]@{ Seconds = $seconds; WallSeconds = [double]$wall; PeakRssMiB = [math]::Round([long]$rssKiB / 1024); CpuSeconds = [math]::Round([double]$user + [double]$sys, 2); PeakExtraDiskMiB = [math]::Round($peakExtra / 1MB, 1); Output = $output }
}

# What a repository holds (not counted as extra disk): format 1 parts, format 2 packs, index files and chunk lists,
# manifests, and each while it is being written.
$repositoryFiles = @('part-*.oop', 'part-*.oop.partial', 'part-*.oop.*.partial', 'manifest.oom*', '*.oopk*', '*.ooix*', 'chunks.ooc*')
$env:ONEDRIVE_OFFSITE_HOME = Join-Path $work 'config'
Remove-Item $env:ONEDRIVE_OFFSITE_HOME -Recurse -Force -ErrorAction SilentlyContinue
Import-Module $ModulePath -Force
$null = New-OffsiteKey -WarningAction SilentlyContinue
Remove-Module OnedriveOffsite

$rows = [Collections.Generic.List[object]]::new()
foreach ($kind in $Samples) {
    $source = Join-Path $work "$kind.bin"
    if (-not (Test-Path $source) -or (Get-Item $source).Length -ne $Size) {
        Write-Host "Creating $kind sample ($([math]::Round($Size / 1MB)) MiB)..."
        if ($kind -eq 'random') { New-RandomFile -Path $source -Size $Size } else { New-MixedFile -Path $source -Size $Size }
    }
    $null = openssl dgst -sha256 $source   # warm the page cache for every measurement alike
    $opensslSeconds = Get-Median @(foreach ($r in 1..$Repeat) { Measure-Seconds { openssl dgst -sha256 $source } })
    # The disk's own speed for what a local backup or restore must do at least once: write the file durably.
    $ddTarget = Join-Path ($(if ($RepositoryDirectory) { $RepositoryDirectory } else { $work })) 'dd-reference.tmp'
    $ddSeconds = Measure-Seconds { dd if=$source of=$ddTarget bs=1M conv=fsync status=none }
    Remove-Item $ddTarget -ErrorAction Ignore
    $zstdBytes = 0
    if ($kind -eq 'mixed') { zstd -3 -T1 -q -f -o (Join-Path $work 'mixed.zst') $source; $zstdBytes = (Get-Item (Join-Path $work 'mixed.zst')).Length; Remove-Item (Join-Path $work 'mixed.zst') }

    $repo = if ($RepositoryDirectory) { Join-Path $RepositoryDirectory $kind } else { Join-Path $work "repo-$kind" }
    $restoreDir = if ($RepositoryDirectory) { Join-Path $RepositoryDirectory "restored-$kind" } else { Join-Path $work "restored-$kind" }
    $tmp = Join-Path $work "tmp-$kind"
    foreach ($d in $repo, $restoreDir, $tmp) { Remove-Item $d -Recurse -Force -ErrorAction SilentlyContinue; $null = New-Item -ItemType Directory $d }

    $backups = @(); $restores = @(); $same = $true
    foreach ($r in 1..$Repeat) {
        foreach ($d in $repo, $restoreDir) { Remove-Item $d -Recurse -Force -ErrorAction SilentlyContinue; $null = New-Item -ItemType Directory $d }
        # Format 2: each round is a first backup into an empty repository, without a local index cache of the last one.
        Remove-Item (Join-Path $env:ONEDRIVE_OFFSITE_HOME 'index-cache') -Recurse -Force -ErrorAction SilentlyContinue
        Write-Host "Backing up $kind (run $r of $Repeat)..."
        $backups += Invoke-Measured -Script "Start-OffsiteBackup -LiteralPath '$source' -Name bench -Repository '$repo' -Format $Format | ForEach-Object StoredSize" `
            -TempDir $tmp -Watched @($repo) -Expected $repositoryFiles
        $stored = [long]($backups[-1].Output.Trim() -split "`n")[-1]
        Write-Host "Restoring $kind (run $r of $Repeat)..."
        $restores += Invoke-Measured -Script "Restore-OffsiteBackup -Name bench -Repository '$repo' -Destination '$restoreDir' | Out-Null" `
            -TempDir $tmp -Watched @($restoreDir) -Expected @('*.bin', '.*.bin.oo-partial-*')
        $same = $same -and (Get-FileHash $source).Hash -eq (Get-FileHash (Join-Path $restoreDir "$kind.bin")).Hash
    }
    $backup = Select-MedianRun $backups $Size; $restore = Select-MedianRun $restores $Size
    $opensslMBs = $Size / 1e6 / $opensslSeconds
    foreach ($step in @(@{ Name = 'backup'; R = $backup }, @{ Name = 'restore'; R = $restore })) {
        $mbs = $Size / 1e6 / $step.R.Seconds
        $rows.Add([pscustomobject]@{
            Data = $kind; Step = $step.Name
            'MB/s' = [math]::Round($mbs); 'each run MB/s' = $step.R.RunsMBs
            'openssl sha256 MB/s' = [math]::Round($opensslMBs); 'vs openssl' = '{0:P0}' -f ($mbs / $opensslMBs)
            'dd+fsync MB/s' = [math]::Round($Size / 1e6 / $ddSeconds)
            'Peak RSS MiB' = $step.R.PeakRssMiB; 'CPU s (user+sys, whole pwsh)' = $step.R.CpuSeconds; 'Extra disk MiB' = $step.R.PeakExtraDiskMiB
            'Stored / source' = if ($step.Name -eq 'backup') { '{0:P1}' -f ($stored / $Size) } else { '' }
            'zstd -3 / source' = if ($step.Name -eq 'backup' -and $zstdBytes) { '{0:P1}' -f ($zstdBytes / $Size) } else { '' }
            'Bit-exact' = $same
        })
    }

    # Stream rows (issue 11): the same bytes from a command's standard output (cat), no local copy, compared with the
    # file backup above; and restored into a command's standard input (sha256sum), bit-exactness from its digest.
    if ($kind -eq 'random') {
        Write-Host "Backing up $kind from a command (cat)..."
        $fileMBs = ($rows | Where-Object { $_.Data -eq $kind -and $_.Step -eq 'backup' }).'MB/s'
        $streamBackup = Invoke-Measured -Script "Start-OffsiteBackup -FromCommand cat, '$source' -SourceName '$kind.bin' -Name bench-stream -Repository '$repo' -Format $Format -NoNotification | ForEach-Object StoredSize" `
            -TempDir $tmp -Watched @($repo) -Expected $repositoryFiles
        Write-Host "Restoring $kind into a command (sha256sum)..."
        $streamRestore = Invoke-Measured -Script "Restore-OffsiteBackup -Name bench-stream -Repository '$repo' -ToCommand sha256sum -NoNotification | Out-Null" `
            -TempDir $tmp -Watched @() -Expected @()
        $streamSame = $streamRestore.Output -match (Get-FileHash $source).Hash.ToLowerInvariant()
        foreach ($step in @(@{ Name = 'stream backup (-FromCommand cat)'; R = $streamBackup }, @{ Name = 'stream restore (-ToCommand sha256sum)'; R = $streamRestore })) {
            $mbs = $Size / 1e6 / $step.R.Seconds
            $rows.Add([pscustomobject]@{
                Data = $kind; Step = $step.Name
                'MB/s' = [math]::Round($mbs); 'each run MB/s' = 'one run'; 'openssl sha256 MB/s' = [math]::Round($opensslMBs); 'vs openssl' = '{0:P0}' -f ($mbs / $opensslMBs)
                'dd+fsync MB/s' = [math]::Round($Size / 1e6 / $ddSeconds)
                'Peak RSS MiB' = $step.R.PeakRssMiB; 'CPU s (user+sys, whole pwsh)' = $step.R.CpuSeconds; 'Extra disk MiB' = $step.R.PeakExtraDiskMiB
                'Stored / source' = if ($step.R -eq $streamBackup) { 'vs file backup: {0:P0}' -f ($mbs / $fileMBs) } else { '' }
                'zstd -3 / source' = ''
                'Bit-exact' = $streamSame
            })
        }
    }
    Remove-Item $repo, $restoreDir, $tmp -Recurse -Force -ErrorAction SilentlyContinue

    if ($kind -eq 'random' -and -not $SkipOneDrive -and (Test-Path $EmulatorPath)) {
        foreach ($faultRate in 0, 0.1) {
            $label = if ($faultRate) { "OneDrive emulator, $($faultRate * 100)% faults" } else { 'OneDrive emulator' }
            # The emulator's storage stands for OneDrive's disks, not ours: keep it in memory where there is a tmpfs.
            $emuStorage = Join-Path ((Test-Path /dev/shm) ? '/dev/shm' : $work) "oo-emulator-storage-$PID"
            $null = New-Item -ItemType Directory -Force $emuStorage
            $token = [guid]::NewGuid().ToString('N')
            $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
            foreach ($a in @($EmulatorPath, '--port', '0', '--token', $token, '--storage', $emuStorage, '--fault-rate', "$faultRate", '--retry-after', '1')) { $psi.ArgumentList.Add($a) }
            $psi.RedirectStandardOutput = $true; $psi.RedirectStandardInput = $true
            $emulator = [Diagnostics.Process]::Start($psi)
            try {
                if ($emulator.StandardOutput.ReadLine() -notmatch 'listening on (http://\S+)') { throw 'The Graph emulator did not start.' }
                $uri = $Matches[1].TrimEnd('/')
                $setup = "Set-OffsiteApp -ClientId '$([guid]::NewGuid())' -GraphEndpoint '$uri' -WarningAction SilentlyContinue; " +
                    "Connect-OffsiteAccount -AccessToken (ConvertTo-SecureString '$token' -AsPlainText -Force) -WarningAction SilentlyContinue | Out-Null; "
                foreach ($d in $restoreDir, $tmp) { Remove-Item $d -Recurse -Force -ErrorAction SilentlyContinue; $null = New-Item -ItemType Directory $d }
                Write-Host "Backing up $kind through the $label..."
                $backup = Invoke-Measured -Script ($setup + "Start-OffsiteBackup -LiteralPath '$source' -Name bench -Repository onedrive:/bench -Format $Format -NoNotification | ForEach-Object StoredSize") `
                    -TempDir $tmp -Watched @() -Expected @()
                Write-Host "Restoring $kind through the $label..."
                $restore = Invoke-Measured -Script "Restore-OffsiteBackup -Name bench -Repository onedrive:/bench -Destination '$restoreDir' -NoNotification | Out-Null" `
                    -TempDir $tmp -Watched @($restoreDir) -Expected @('*.bin', '.*.bin.oo-partial-*')
                $stats = Invoke-RestMethod "$uri/_emulator/stats"
                $same = (Get-FileHash $source).Hash -eq (Get-FileHash (Join-Path $restoreDir "$kind.bin")).Hash
                foreach ($step in @(@{ Name = "backup ($label)"; R = $backup; Local = 'backup' }, @{ Name = "restore ($label)"; R = $restore; Local = 'restore' })) {
                    $mbs = $Size / 1e6 / $step.R.Seconds
                    $local = ($rows | Where-Object { $_.Data -eq $kind -and $_.Step -eq $step.Local })
                    $rows.Add([pscustomobject]@{
                        Data = $kind; Step = $step.Name
                        'MB/s' = [math]::Round($mbs); 'each run MB/s' = 'one run'; 'openssl sha256 MB/s' = [math]::Round($opensslMBs); 'vs openssl' = '{0:P0}' -f ($mbs / $opensslMBs)
                        'dd+fsync MB/s' = [math]::Round($Size / 1e6 / $ddSeconds)
                        'Peak RSS MiB' = $step.R.PeakRssMiB; 'CPU s (user+sys, whole pwsh)' = $step.R.CpuSeconds; 'Extra disk MiB' = $step.R.PeakExtraDiskMiB
                        'Stored / source' = "vs local: {0:P0}" -f ($mbs / $local.'MB/s')
                        'zstd -3 / source' = "faults injected: $(Get-FaultCount $stats); early requests: $($stats.requestsBeforeRetryAfter); Authorization on pre-auth URLs: $($stats.authorizationHeaderViolations)"
                        'Bit-exact' = $same
                    })
                }
            }
            finally {
                $emulator.StandardInput.Close()
                if (-not $emulator.WaitForExit(15000)) { $emulator.Kill() }
                Remove-Item $restoreDir, $tmp, $emuStorage -Recurse -Force -ErrorAction SilentlyContinue
            }
        }
    }
}

$rows | Format-Table -AutoSize | Out-Host
$header = '| ' + (($rows[0].PSObject.Properties.Name) -join ' | ') + ' |'
$rule = '|' + (($rows[0].PSObject.Properties.Name | ForEach-Object { '---' }) -join '|') + '|'
$lines = @("Benchmark $(Get-Date -Format 'yyyy-MM-dd HH:mm') on $([Environment]::ProcessorCount) cores, format $Format, $([math]::Round($Size / 1MB)) MiB per file, repository under '$($RepositoryDirectory ? $RepositoryDirectory : $work)'", '', $header, $rule) +
    ($rows | ForEach-Object { '| ' + (($_.PSObject.Properties.Value) -join ' | ') + ' |' })
$lines | Set-Content (Join-Path $work 'results.md')
Write-Host "Results written to $(Join-Path $work 'results.md')"
