#!/usr/bin/env pwsh
#Requires -Version 7.4
<#
.SYNOPSIS
Proxmox vzdump hook: sends each finished backup archive offsite without making vzdump wait for the upload.
.DESCRIPTION
Install it as vzdump's hook script (`script: /usr/local/sbin/offsite-vzdump-hook.ps1` in /etc/vzdump.conf, or
`vzdump … --script …`). vzdump runs it as `<script> <phase> [<mode> <vmid>]` with the archive in $env:TARGET.

  backup-end  queues "back up $TARGET into set pve-<vmid>" and makes sure one worker is running, then returns
              at once: vzdump goes on with the next guest while the worker uploads.
  job-end     queues the optional retention (Retention in the settings) after this job's uploads.
  other       nothing.

One worker per host takes the queue in order (uploads one after another, so parallel jobs do not fight for the
uplink). It runs detached from vzdump: as a transient systemd unit (`systemd-run`, so `journalctl -u
offsite-vzdump-*` shows it and it survives the end of the vzdump task) when systemd is PID 1, else as a new
session in the background. Its outcome: one line per item in vzdump-hook.log in the config home, the usual
`Successful Offsite Backup - <set>` / `Error - <set>` mail and health-check pings (Set-OffsiteNotification).

Each archive becomes a snapshot in Start-OffsiteBackup's default format, 2 (deduplicated): an archive vzdump
compressed (vma.zst) shares few chunks with the previous night's, an uncompressed one (vzdump's compress: 0) most.

Settings: vzdump-hook.psd1 in the config home ($env:ONEDRIVE_OFFSITE_HOME, else /etc/onedrive-offsite), e.g.
  @{ SetName = 'pve-{vmid}'; Repository = 'onedrive:'; Retention = @{ KeepLast = 7 }; Detach = 'Auto' }
Format = 1 keeps full copies in parts (format 1), e.g. for compressed archives; without it the default (2) applies.
Detach: Auto (systemd-run when available, else Background), SystemdRun, Background, or None (upload inside
the hook; vzdump waits).
#>
param(
    [Parameter(Position = 0)] [string] $Phase,
    [Parameter(Position = 1)] [string] $Mode,
    [Parameter(Position = 2)] [string] $VmId,
    [Parameter(Position = 3)] [string] $Archive
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$configHome = $env:ONEDRIVE_OFFSITE_HOME ? $env:ONEDRIVE_OFFSITE_HOME : ($IsWindows ? (Join-Path $env:APPDATA 'OnedriveOffsite') : '/etc/onedrive-offsite')
$env:ONEDRIVE_OFFSITE_HOME = $configHome
$settingsFile = Join-Path $configHome 'vzdump-hook.psd1'
$settings = @{ SetName = 'pve-{vmid}'; Repository = $null; Retention = $null; Detach = 'Auto'; Format = $null }
if (Test-Path -LiteralPath $settingsFile) {
    (Import-PowerShellDataFile -LiteralPath $settingsFile).GetEnumerator() | ForEach-Object { $settings[$_.Key] = $_.Value }
}
$queueDir = Join-Path $configHome 'vzdump-queue'
# Every phase of one job is run by the same vzdump process: its id ties backup-end to the job's job-end.
$jobId = (Get-Process -Id $PID).Parent.Id
$logFile = Join-Path $configHome 'vzdump-hook.log'

function Write-HookLog([string] $Message) {
    $line = '{0:yyyy-MM-ddTHH:mm:ssK} {1}' -f (Get-Date), $Message
    Add-Content -LiteralPath $logFile -Value $line
    Write-Host "offsite: $Message"
}

function Add-QueueItem([hashtable] $Item) {
    $null = New-Item -ItemType Directory -Path $queueDir -Force
    $name = '{0:yyyyMMddTHHmmssfffffff}-{1}.json' -f [DateTime]::UtcNow, [guid]::NewGuid().ToString('n').Substring(0, 8)
    $temp = Join-Path $queueDir ".$name.tmp"
    ConvertTo-Json $Item -Compress | Set-Content -LiteralPath $temp
    Move-Item -LiteralPath $temp -Destination (Join-Path $queueDir $name)   # appears whole or not at all
}

function Start-Worker {
    $pwsh = (Get-Process -Id $PID).Path
    $self = $PSCommandPath
    $mode = $settings.Detach
    if ($mode -eq 'Auto') {
        $systemd = -not $IsWindows -and (Test-Path /run/systemd/system) -and (Get-Command systemd-run -ErrorAction Ignore)
        $mode = $systemd ? 'SystemdRun' : 'Background'
    }
    switch ($mode) {
        'None' { & $pwsh -NoProfile -NonInteractive -File $self worker; return }
        'SystemdRun' {
            $unit = 'offsite-vzdump-{0:yyyyMMddTHHmmss}-{1}' -f [DateTime]::UtcNow, $PID
            & systemd-run --quiet --collect --unit $unit --setenv "ONEDRIVE_OFFSITE_HOME=$configHome" $pwsh -NoProfile -NonInteractive -File $self worker
            if ($LASTEXITCODE -ne 0) { throw "systemd-run could not start the offsite worker (exit $LASTEXITCODE)." }
            Write-HookLog "worker started as systemd unit $unit (journalctl -u $unit)"
        }
        'Background' {
            $setsid = $IsWindows ? $null : (Get-Command setsid -ErrorAction Ignore)
            $arguments = @('-NoProfile', '-NonInteractive', '-File', $self, 'worker')
            $out = Join-Path $configHome 'vzdump-worker.out'
            $process = $setsid `
                ? (Start-Process -FilePath $setsid.Source -ArgumentList (@($pwsh) + $arguments) -RedirectStandardOutput $out -RedirectStandardError "$out.err" -PassThru)
                : (Start-Process -FilePath $pwsh -ArgumentList $arguments -RedirectStandardOutput $out -RedirectStandardError "$out.err" -PassThru)
            Write-HookLog "worker started in the background (process $($process.Id))"
        }
        default { throw "Unknown Detach '$mode' in $settingsFile (Auto, SystemdRun, Background or None)." }
    }
}

function Invoke-QueueItem($Item) {
    # ONEDRIVE_OFFSITE_MODULE: a module name or .psd1 path, for a module that is not on root's PSModulePath.
    Import-Module ($env:ONEDRIVE_OFFSITE_MODULE ? $env:ONEDRIVE_OFFSITE_MODULE : 'OnedriveOffsite')
    $repository = $settings.Repository ? @{ Repository = $settings.Repository } : @{}
    switch ($Item.kind) {
        'backup' {
            $format = $null -ne $settings.Format ? @{ Format = $settings.Format } : @{}
            $snapshot = Start-OffsiteBackup -LiteralPath $Item.archive -Name $Item.set @repository @format
            Write-HookLog "OK backup $($Item.archive) -> $($Item.set)/$($snapshot.SnapshotId) (format $($snapshot.Format))"
        }
        'retention' {
            foreach ($set in $Item.sets) {
                $rules = $settings.Retention
                Remove-OffsiteBackup -Name $set @rules -Force @repository
                Write-HookLog "OK retention on $set"
            }
        }
    }
}

# The worker: one at a time per config home (an exclusively opened lock file, released by the OS if it dies).
function Invoke-Worker {
    $lockPath = Join-Path $configHome 'vzdump-worker.lock'
    $failed = 0
    while ($true) {
        try { $lock = [IO.File]::Open($lockPath, 'OpenOrCreate', 'ReadWrite', 'None') }
        catch [IO.IOException] { return $failed }   # another worker holds the queue
        try {
            while ($next = Get-ChildItem -LiteralPath $queueDir -Filter *.json -File -ErrorAction Ignore | Sort-Object Name | Select-Object -First 1) {
                $item = Get-Content -LiteralPath $next.FullName -Raw | ConvertFrom-Json
                try { Invoke-QueueItem $item }
                catch {
                    $failed++
                    $what = $item.kind -eq 'backup' ? "$($item.archive) -> $($item.set)" : ($item.sets -join ',')
                    Write-HookLog "FAILED $($item.kind) $what`: $($_.FullyQualifiedErrorId): $($_.Exception.Message)"
                }
                Remove-Item -LiteralPath $next.FullName
            }
        }
        finally { $lock.Dispose() }
        # An item queued while this worker was letting go found the lock taken: look once more.
        if (-not (Get-ChildItem -LiteralPath $queueDir -Filter *.json -File -ErrorAction Ignore)) { return $failed }
    }
}

switch ($Phase) {
    'backup-end' {
        $archive = $env:TARGET
        if (-not $archive -or -not (Test-Path -LiteralPath $archive -PathType Leaf)) {
            Write-HookLog "FAILED backup-end for $VmId`: the archive '$archive' (TARGET) does not exist"
            exit 1
        }
        $set = $settings.SetName -replace '\{vmid\}', $VmId
        Add-QueueItem @{ kind = 'backup'; archive = (Resolve-Path -LiteralPath $archive).Path; set = $set; vmid = $VmId }
        $jobSets = Join-Path $queueDir "job-$jobId.sets"
        Add-Content -LiteralPath $jobSets -Value $set
        Write-HookLog "queued $archive for set $set"
        Start-Worker
    }
    'job-end' {
        $jobSets = Join-Path $queueDir "job-$jobId.sets"
        if ($settings.Retention -and (Test-Path -LiteralPath $jobSets)) {
            Add-QueueItem @{ kind = 'retention'; sets = @(Get-Content -LiteralPath $jobSets | Sort-Object -Unique) }
            Write-HookLog 'queued retention for this job'
            Start-Worker
        }
        Remove-Item -LiteralPath $jobSets -ErrorAction Ignore
    }
    'worker' { exit ((Invoke-Worker) -gt 0 ? 1 : 0) }
    default { }   # job-start, backup-start, log-end, pre-stop, … need nothing
}
exit 0
