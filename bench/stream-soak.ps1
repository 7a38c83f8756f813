#Requires -Version 7.4
<#
.SYNOPSIS
    Opt-in multi-GiB stream test (issue 11; too slow for the default suite): a deterministic generator command writes
    -GiB GiB to standard output, backed up with Start-OffsiteBackup -FromCommand through the Graph emulator with
    injected faults, then restored with Restore-OffsiteBackup -ToCommand into a command that hashes its input. The
    backup is format 1 (-Format 1: parts held in memory and re-sent after a fault, what issue 11 is about).
.DESCRIPTION
    Passes when the restored digest equals the generator's (computed independently here) and reports the peak RSS of
    each pwsh run (GNU time) against the 400 MiB target. Run after ./build.ps1 Build:
        pwsh bench/stream-soak.ps1 -GiB 4 -FaultRate 0.1
#>
param(
    [double] $GiB = 2,
    [double] $FaultRate = 0.1,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../output/OnedriveOffsite/OnedriveOffsite.psd1'),
    [string] $EmulatorPath = (Join-Path $PSScriptRoot '../tests/GraphEmulator/bin/Release/net8.0/GraphEmulator.dll'),
    [string] $WorkDirectory = (Join-Path $PSScriptRoot '../output/bench-stream')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
if (-not (Test-Path /usr/bin/time)) { throw "The soak test needs GNU time (apt-get install time)." }
$ModulePath = (Resolve-Path $ModulePath).Path
$generator = (Resolve-Path (Join-Path $PSScriptRoot '../tests/Pester/streams/Write-TestStream.ps1')).Path
$consumer = (Resolve-Path (Join-Path $PSScriptRoot '../tests/Pester/streams/Read-TestStream.ps1')).Path
$work = New-Item -ItemType Directory -Force -Path $WorkDirectory
$pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
$mib = [long]($GiB * 1024)
$env:ONEDRIVE_OFFSITE_HOME = Join-Path $work 'config'
Remove-Item $env:ONEDRIVE_OFFSITE_HOME -Recurse -Force -ErrorAction Ignore

Write-Host "Expected digest of $mib MiB..."
$sha = [Security.Cryptography.IncrementalHash]::CreateHash('SHA256'); $buffer = [byte[]]::new(1MB); $rng = [Random]::new(42)
for ($i = 0; $i -lt $mib; $i++) { $rng.NextBytes($buffer); $sha.AppendData($buffer) }
$expected = '{0} {1}' -f [Convert]::ToHexString($sha.GetHashAndReset()).ToLowerInvariant(), ($mib * 1MB)

$storage = Join-Path ((Test-Path /dev/shm) ? '/dev/shm' : $work) "oo-stream-soak-$PID"
$null = New-Item -ItemType Directory -Force $storage
$token = [guid]::NewGuid().ToString('N')
$psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
foreach ($a in @($EmulatorPath, '--port', '0', '--token', $token, '--storage', $storage, '--fault-rate', "$FaultRate", '--retry-after', '1')) { $psi.ArgumentList.Add($a) }
$psi.RedirectStandardOutput = $true; $psi.RedirectStandardInput = $true
$emulator = [Diagnostics.Process]::Start($psi)
try {
    if ($emulator.StandardOutput.ReadLine() -notmatch 'listening on (http://\S+)') { throw 'The Graph emulator did not start.' }
    $uri = $Matches[1].TrimEnd('/')
    $digestFile = Join-Path $work 'digest.txt'
    $steps = [ordered]@{
        setup   = "New-OffsiteKey -WarningAction SilentlyContinue | Out-Null; Set-OffsiteApp -ClientId '$([guid]::NewGuid())' -GraphEndpoint '$uri' -WarningAction SilentlyContinue; " +
            "Connect-OffsiteAccount -AccessToken (ConvertTo-SecureString '$token' -AsPlainText -Force) -WarningAction SilentlyContinue | Out-Null"
        backup  = "Start-OffsiteBackup -Name soak -Repository onedrive:/soak -FromCommand '$pwsh', -NoProfile, -File, '$generator', -MiB, $mib, -Seed, 42 -SourceName soak.bin -Format 1 -NoNotification | Out-Null"
        restore = "Restore-OffsiteBackup -Name soak -Repository onedrive:/soak -ToCommand '$pwsh', -NoProfile, -File, '$consumer', -OutFile, '$digestFile' -NoNotification | Out-Null"
    }
    $report = foreach ($step in $steps.GetEnumerator()) {
        $script = Join-Path $work "$($step.Key).ps1"
        Set-Content -LiteralPath $script -Value "`$ErrorActionPreference='Stop'; Import-Module '$ModulePath'; `$w = [Diagnostics.Stopwatch]::StartNew(); $($step.Value); 'SECONDS=' + `$w.Elapsed.TotalSeconds"
        $timeFile = Join-Path $work 'time.txt'
        Write-Host "Running $($step.Key)..."
        $output = & /usr/bin/time -f '%M' -o $timeFile $pwsh -NoProfile -NonInteractive -File $script
        if ($LASTEXITCODE -ne 0) { throw "$($step.Key) failed: $output" }
        $seconds = [double](($output | Where-Object { $_ -like 'SECONDS=*' } | Select-Object -Last 1) -replace 'SECONDS=', '')
        [pscustomobject]@{ Step = $step.Key; Seconds = [math]::Round($seconds, 1); 'MB/s' = $step.Key -eq 'setup' ? '' : [math]::Round($mib * 1MB / 1e6 / $seconds); 'Peak RSS MiB' = [math]::Round([long](Get-Content $timeFile -Tail 1) / 1024) }
    }
    $stats = Invoke-RestMethod "$uri/_emulator/stats"
    $report | Format-Table -AutoSize | Out-Host
    $faults = 0; foreach ($p in $stats.faultsInjected.PSObject.Properties) { $faults += [int]$p.Value }
    $actual = (Get-Content -LiteralPath $digestFile).Trim()
    Write-Host "Faults injected: $faults; expected '$expected'; restored '$actual'"
    if ($actual -ne $expected) { throw 'The restored stream differs from the generated one.' }
    if (($report | Measure-Object 'Peak RSS MiB' -Maximum).Maximum -gt 400) { throw 'Peak RSS above 400 MiB.' }
    Write-Host 'PASS'
}
finally {
    $emulator.StandardInput.Close()
    if (-not $emulator.WaitForExit(15000)) { $emulator.Kill() }
    Remove-Item $storage -Recurse -Force -ErrorAction Ignore
}
