#Requires -Version 7.4
<#
.SYNOPSIS
    Bandwidth-limit benchmark through the Graph emulator: does -MaxUploadRate / -MaxDownloadRate hold the average
    rate of a ~60 s transfer within ±10% of the limit?
.DESCRIPTION
    Starts the Graph emulator (storage in /dev/shm where there is one), makes a random file of Rate × Seconds bytes,
    backs it up with -MaxUploadRate Rate (ThrottleLimit 4: the limit is for all parts together) and restores it with
    -MaxDownloadRate Rate, each in a fresh pwsh. Two rates per step:
    - transfer phase (what the limiter decides): while the command runs, a byte counter is sampled every 100 ms:
      for the upload the emulator's live uploadBytesArriving (/_emulator/stats; the receiver reads at once, so it
      follows the client's sends), for the download the bytes the restoring process has written (wchar in
      /proc/<pid>/io: its writes of the restored file, i.e. what it took in after the limiter; the emulator's
      downloadBytesLeaving runs ahead of the client by the loopback socket buffers, several MiB per connection). The
      rate is the 90% of the bytes between the moments 5% and 95% of them had passed, divided by the time between
      those moments. It leaves out what happens before the first and after the last bytes (pwsh and module start-up,
      sign-in, source hashing, manifest) but keeps every pause in between (part and session start-up), which the
      limit must absorb. The peak over any 5 s window within the phase shows whether the limit was ever exceeded.
    - whole command: bytes / seconds of the command, timed inside its pwsh (module import excluded), with how long
      it took to the first MiB counted and how long it ran after the last MiB (at the limit, 1 MiB takes
      1 MiB / Rate seconds of each): the time a whole-command average charges to the limit although nothing was sent.
    Writes a Markdown table to output/bench/bandwidth.md (copy the rows into docs/PERFORMANCE.md by hand) and the
    samples to output/bench/bandwidth-samples-upload.csv / -download.csv. A benchmark,
    not a test: it takes about two and a half minutes.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../output/OnedriveOffsite/OnedriveOffsite.psd1'),
    [long] $Rate = 4MB,
    [int] $Seconds = 60,
    [string] $WorkDirectory = (Join-Path $PSScriptRoot '../output/bench'),
    [string] $EmulatorPath = (Join-Path $PSScriptRoot '../tests/GraphEmulator/bin/Release/net8.0/GraphEmulator.dll')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$ModulePath = (Resolve-Path $ModulePath).Path
$work = New-Item -ItemType Directory -Force -Path $WorkDirectory
$pwsh = (Get-Process -Id $PID).Path
# Under `dotnet pwsh` the process is dotnet: run the same pwsh.dll.
$pwshArgs = @(if ((Split-Path $pwsh -Leaf) -like 'dotnet*' -and (Get-Process -Id $PID).CommandLine -match '(\S+pwsh\.dll)') { $Matches[1] })
$env:ONEDRIVE_OFFSITE_HOME = Join-Path $work "bandwidth-config-$PID"

# Runs one command in a fresh pwsh; returns its own duration and, when $Counter is given, samples of (seconds since
# start, bytes) taken every 100 ms while it runs: $Counter names a live byte counter of the emulator's stats, or is
# 'wchar': the bytes the command's process has written so far (/proc/<pid>/io), e.g. a restore's writes to its file.
function Invoke-Timed([string] $Script, [string] $Counter) {
    $file = Join-Path $work 'bandwidth-step.ps1'
    Set-Content -LiteralPath $file -Value ("`$ErrorActionPreference='Stop'; Import-Module '$ModulePath'; " +
        "'STARTED=' + [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds(); `$w = [Diagnostics.Stopwatch]::StartNew(); " +
        "$Script; 'SECONDS=' + `$w.Elapsed.TotalSeconds.ToString([Globalization.CultureInfo]::InvariantCulture)")
    if ($Counter) { Invoke-RestMethod -Method Post "$uri/_emulator/reset-stats" | Out-Null }
    $child = [Diagnostics.ProcessStartInfo]::new($pwsh)
    foreach ($a in @($pwshArgs) + @('-NoProfile', '-NonInteractive', '-File', $file)) { $child.ArgumentList.Add($a) }
    $child.RedirectStandardOutput = $true
    $clockStart = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $process = [Diagnostics.Process]::Start($child)
    $outTask = $process.StandardOutput.ReadToEndAsync()
    $samples = [Collections.Generic.List[object]]::new()
    while (-not $process.HasExited) {
        if ($Counter) { $samples.Add((Get-Sample $Counter $process $clock)) }
        Start-Sleep -Milliseconds 100
    }
    $process.WaitForExit()
    $out = $outTask.GetAwaiter().GetResult() -split "`n"
    if ($process.ExitCode -ne 0) { throw "Benchmark step failed: $out" }
    if ($Counter) { $samples.Add((Get-Sample $Counter $process $clock)) }
    [pscustomobject]@{
        Seconds = [double](($out | Where-Object { $_ -like 'SECONDS=*' } | Select-Object -Last 1) -replace 'SECONDS=', '')
        # When the command itself started, on the samples' clock (after pwsh start-up and module import).
        Started = ([long](($out | Where-Object { $_ -like 'STARTED=*' } | Select-Object -Last 1) -replace 'STARTED=', '') - $clockStart) / 1000
        Samples = $samples
    }
}

function Get-CounterValue([string] $Counter, $Process) {
    if ($Counter -ne 'wchar') { return [long](Invoke-RestMethod "$uri/_emulator/stats").$Counter }
    $line = Get-Content "/proc/$($Process.Id)/io" -ErrorAction Ignore | Where-Object { $_ -like 'wchar:*' }
    if ($line) { $script:lastWchar = [long]($line -replace 'wchar:\s*', '') }
    $script:lastWchar # the last value read once the process is gone
}

# One sample, timed at the middle of the reading (a stats request takes a while on a loaded machine).
function Get-Sample([string] $Counter, $Process, $Clock) {
    $before = $Clock.Elapsed.TotalSeconds
    $bytes = Get-CounterValue $Counter $Process
    [pscustomobject]@{ T = ($before + $Clock.Elapsed.TotalSeconds) / 2; Bytes = $bytes }
}

# When the counter first reached $Bytes, interpolated between the two samples around it.
function Get-CrossingTime($Samples, [double] $Bytes) {
    for ($i = 1; $i -lt $Samples.Count; $i++) {
        $a = $Samples[$i - 1]; $b = $Samples[$i]
        if ($b.Bytes -ge $Bytes -and $a.Bytes -lt $Bytes) { return $a.T + ($b.T - $a.T) * ($Bytes - $a.Bytes) / ($b.Bytes - $a.Bytes) }
    }
    throw "The byte counter never reached $Bytes bytes."
}

# A relative difference as a signed percentage with one decimal ("+0.9%", "-7.5%").
function Format-Deviation([double] $Ratio) {
    $p = [math]::Round(100 * ($Ratio - 1), 1)
    if ($p -eq 0) { $p = 0.0 } # no "-0.0%"
    ($p -ge 0 ? '+' : '') + $p.ToString('0.0', [Globalization.CultureInfo]::InvariantCulture) + '%'
}

# The highest rate over any window of $Window seconds (samples are 100 ms apart).
function Get-PeakRate($Samples, [double] $Window) {
    $peak = 0.0; $j = 0
    for ($i = 0; $i -lt $Samples.Count; $i++) {
        while ($Samples[$i].T - $Samples[$j].T -gt $Window) { $j++ }
        if ($j -gt 0 -and $Samples[$i].T - $Samples[$j - 1].T -ge $Window) {
            $peak = [Math]::Max($peak, ($Samples[$i].Bytes - $Samples[$j - 1].Bytes) / ($Samples[$i].T - $Samples[$j - 1].T))
        }
    }
    $peak
}

$size = $Rate * $Seconds
$source = Join-Path $work 'bandwidth.bin'
$restoreDir = Join-Path $work "bandwidth-restore-$PID"
$emuStorage = Join-Path ((Test-Path /dev/shm) ? '/dev/shm' : $work) "oo-bandwidth-emulator-$PID"
$null = New-Item -ItemType Directory -Force $emuStorage, $restoreDir
$token = [guid]::NewGuid().ToString('N')
$psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
foreach ($a in @($EmulatorPath, '--port', '0', '--token', $token, '--storage', $emuStorage)) { $psi.ArgumentList.Add($a) }
$psi.RedirectStandardOutput = $true; $psi.RedirectStandardInput = $true
$emulator = [Diagnostics.Process]::Start($psi)
try {
    $random = [byte[]]::new(1MB)
    $stream = [IO.File]::Create($source)
    try { for ($left = $size; $left -gt 0; $left -= $random.Length) { [Random]::Shared.NextBytes($random); $stream.Write($random, 0, [Math]::Min($random.Length, $left)) } }
    finally { $stream.Dispose() }
    if ($emulator.StandardOutput.ReadLine() -notmatch 'listening on (http://\S+)') { throw 'The Graph emulator did not start.' }
    $uri = $Matches[1].TrimEnd('/')
    $setup = "Set-OffsiteApp -ClientId '$([guid]::NewGuid())' -GraphEndpoint '$uri' -WarningAction SilentlyContinue; " +
        "Connect-OffsiteAccount -AccessToken (ConvertTo-SecureString '$token' -AsPlainText -Force) -WarningAction SilentlyContinue | Out-Null; " +
        "`$null = New-OffsiteKey -WarningAction SilentlyContinue; "
    $null = Invoke-Timed $setup.TrimEnd('; ') # set-up outside the timed runs
    $load = (Get-Content /proc/loadavg -ErrorAction Ignore) -split ' ' | Select-Object -First 3
    Write-Host "Backing up $([math]::Round($size / 1MB)) MiB at -MaxUploadRate $Rate..."
    $up = Invoke-Timed ("Start-OffsiteBackup -LiteralPath '$source' -Name bw -Repository onedrive:/bench -Format 1 -PartSize 32MB -Compression None -ThrottleLimit 4 -MaxUploadRate $Rate -NoNotification | Out-Null") -Counter uploadBytesArriving
    Write-Host "Restoring at -MaxDownloadRate $Rate..."
    $down = Invoke-Timed "Restore-OffsiteBackup -Name bw -Repository onedrive:/bench -Destination '$restoreDir' -ThrottleLimit 4 -MaxDownloadRate $Rate -NoNotification | Out-Null" -Counter wchar
    $load = "$($load -join ' ') before, $(((Get-Content /proc/loadavg -ErrorAction Ignore) -split ' ' | Select-Object -First 3) -join ' ') after"
    $same = (Get-FileHash $source).Hash -eq (Get-FileHash (Join-Path $restoreDir 'bandwidth.bin')).Hash
    $rows = foreach ($step in @(@{ Name = 'upload (-MaxUploadRate)'; R = $up; Where = 'arriving at the emulator' },
            @{ Name = 'download (-MaxDownloadRate)'; R = $down; Where = 'written by the restore (/proc wchar)' })) {
        $step.R.Samples | Export-Csv -LiteralPath (Join-Path $work "bandwidth-samples-$($step.Name -replace '\W.*').csv") -NoTypeInformation
        $from = Get-CrossingTime $step.R.Samples (0.05 * $size)
        $to = Get-CrossingTime $step.R.Samples (0.95 * $size)
        $phase = 0.9 * $size / ($to - $from)
        $firstMiB = Get-CrossingTime $step.R.Samples 1MB
        $lastMiB = Get-CrossingTime $step.R.Samples ($size - 1MB)
        $whole = $size / $step.R.Seconds
        [pscustomobject]@{
            Step = $step.Name; 'Limit B/s' = $Rate; 'Bytes' = $size; 'Bytes counted' = $step.Where
            'Transfer phase s (5%→95%)' = [math]::Round($to - $from, 1); 'Transfer phase B/s' = [math]::Round($phase)
            'Transfer vs limit' = (Format-Deviation ($phase / $Rate)); 'Transfer within ±10%' = [math]::Abs($phase / $Rate - 1) -le 0.10
            'Peak 5 s B/s in the phase' = [math]::Round((Get-PeakRate @($step.R.Samples | Where-Object { $_.T -ge $from -and $_.T -le $to }) 5))
            'Whole command s' = [math]::Round($step.R.Seconds, 1)
            's to the first MiB' = [math]::Round($firstMiB - $step.R.Started, 1); 's after the last MiB' = [math]::Round($step.R.Started + $step.R.Seconds - $lastMiB, 1)
            'Whole command B/s' = [math]::Round($whole)
            'Whole command vs limit' = (Format-Deviation ($whole / $Rate)); 'Bit-exact' = $same
        }
    }
    $rows | Format-Table -AutoSize | Out-Host
    $md = @("Bandwidth benchmark $(Get-Date -AsUTC -Format 'yyyy-MM-dd HH:mm') UTC, load average $load", '')
    $md += '| ' + ($rows[0].PSObject.Properties.Name -join ' | ') + ' |'
    $md += '|' + (($rows[0].PSObject.Properties | ForEach-Object { '---' }) -join '|') + '|'
    $md += $rows | ForEach-Object { '| ' + ($_.PSObject.Properties.Value -join ' | ') + ' |' }
    Set-Content -LiteralPath (Join-Path $work 'bandwidth.md') -Value $md
}
finally {
    $emulator.StandardInput.Close()
    if (-not $emulator.WaitForExit(15000)) { $emulator.Kill() }
    Remove-Item $restoreDir, $emuStorage, $source, $env:ONEDRIVE_OFFSITE_HOME -Recurse -Force -ErrorAction SilentlyContinue
}
