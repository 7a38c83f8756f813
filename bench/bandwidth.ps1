#Requires -Version 7.4
<#
.SYNOPSIS
    Bandwidth-limit benchmark through the Graph emulator: does -MaxUploadRate / -MaxDownloadRate hold the average
    rate of a ~60 s transfer within ±10% of the limit?
.DESCRIPTION
    Starts the Graph emulator (storage in /dev/shm where there is one), makes a random file of Rate × Seconds bytes,
    backs it up with -MaxUploadRate Rate (ThrottleLimit 4: the limit is for all parts together) and restores it with
    -MaxDownloadRate Rate, each timed inside a fresh pwsh. The rate is bytes / seconds of the command. Writes a
    Markdown table to output/bench/bandwidth.md (copy the rows into docs/PERFORMANCE.md by hand). A benchmark, not a
    test: it takes about two minutes and needs an otherwise quiet machine to mean anything.
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

function Invoke-Timed([string] $Script) {
    $file = Join-Path $work 'bandwidth-step.ps1'
    Set-Content -LiteralPath $file -Value ("`$ErrorActionPreference='Stop'; Import-Module '$ModulePath'; `$w = [Diagnostics.Stopwatch]::StartNew(); " +
        "$Script; 'SECONDS=' + `$w.Elapsed.TotalSeconds.ToString([Globalization.CultureInfo]::InvariantCulture)")
    $out = & $pwsh @pwshArgs -NoProfile -NonInteractive -File $file
    if ($LASTEXITCODE -ne 0) { throw "Benchmark step failed: $out" }
    [double](($out | Where-Object { $_ -like 'SECONDS=*' } | Select-Object -Last 1) -replace 'SECONDS=', '')
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
    Write-Host "Backing up $([math]::Round($size / 1MB)) MiB at -MaxUploadRate $Rate..."
    $up = Invoke-Timed ("Start-OffsiteBackup -LiteralPath '$source' -Name bw -Repository onedrive:/bench -PartSize 32MB -Compression None -ThrottleLimit 4 -MaxUploadRate $Rate -NoNotification | Out-Null")
    Write-Host "Restoring at -MaxDownloadRate $Rate..."
    $down = Invoke-Timed "Restore-OffsiteBackup -Name bw -Repository onedrive:/bench -Destination '$restoreDir' -ThrottleLimit 4 -MaxDownloadRate $Rate -NoNotification | Out-Null"
    $same = (Get-FileHash $source).Hash -eq (Get-FileHash (Join-Path $restoreDir 'bandwidth.bin')).Hash
    $rows = foreach ($step in @(@{ Name = 'upload (-MaxUploadRate)'; S = $up }, @{ Name = 'download (-MaxDownloadRate)'; S = $down })) {
        $actual = $size / $step.S
        [pscustomobject]@{
            Step = $step.Name; 'Limit B/s' = $Rate; 'Bytes' = $size; 'Seconds' = [math]::Round($step.S, 1)
            'Average B/s' = [math]::Round($actual); 'vs limit' = '{0:+0.0%;-0.0%}' -f ($actual / $Rate - 1)
            'Within ±10%' = [math]::Abs($actual / $Rate - 1) -le 0.10; 'Bit-exact' = $same
        }
    }
    $rows | Format-Table -AutoSize | Out-Host
    $md = @('| ' + ($rows[0].PSObject.Properties.Name -join ' | ') + ' |', '|' + (($rows[0].PSObject.Properties | ForEach-Object { '---' }) -join '|') + '|')
    $md += $rows | ForEach-Object { '| ' + ($_.PSObject.Properties.Value -join ' | ') + ' |' }
    Set-Content -LiteralPath (Join-Path $work 'bandwidth.md') -Value $md
}
finally {
    $emulator.StandardInput.Close()
    if (-not $emulator.WaitForExit(15000)) { $emulator.Kill() }
    Remove-Item $restoreDir, $emuStorage, $source, $env:ONEDRIVE_OFFSITE_HOME -Recurse -Force -ErrorAction SilentlyContinue
}
