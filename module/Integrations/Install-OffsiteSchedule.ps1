#!/usr/bin/env pwsh
#Requires -Version 7.4
<#
.SYNOPSIS
Installs the shipped nightly script with a systemd timer, a cron file, or the Proxmox vzdump hook (Linux, as root).
.DESCRIPTION
Copies offsite-nightly.ps1 (and offsite-vzdump-hook.ps1 with -VzdumpHook) to /usr/local/sbin, then:
  -Systemd     onedrive-offsite.service and .timer into /etc/systemd/system, daemon-reload, enable --now the timer
  -Cron        onedrive-offsite.cron as /etc/cron.d/onedrive-offsite
  -VzdumpHook  adds `script: /usr/local/sbin/offsite-vzdump-hook.ps1` to /etc/vzdump.conf (unless a script is set)
Existing files are kept (edit them, or delete them to get the shipped ones again). -Root installs below another
directory (a test, an image being built); then systemctl is not run.
.EXAMPLE
sudo pwsh -NoProfile -c '& "$((Import-Module OnedriveOffsite -PassThru).ModuleBase)/Integrations/Install-OffsiteSchedule.ps1" -Systemd'
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [switch] $Systemd,
    [switch] $Cron,
    [switch] $VzdumpHook,
    [string] $Root = '/'
)
$ErrorActionPreference = 'Stop'
if (-not ($Systemd -or $Cron -or $VzdumpHook)) { throw 'Choose -Systemd, -Cron or -VzdumpHook (or several).' }
if ($IsWindows) { throw 'On Windows use Register-OffsiteScheduledTask.ps1.' }

function Install-File([string] $Source, [string] $Target, [string] $Mode = '644') {
    $path = Join-Path $Root $Target
    if (Test-Path -LiteralPath $path) { Write-Host "kept existing $path"; return }
    if (-not $PSCmdlet.ShouldProcess($path, "Install $Source")) { return }
    $null = New-Item -ItemType Directory -Path (Split-Path $path) -Force
    Copy-Item -LiteralPath (Join-Path $PSScriptRoot $Source) -Destination $path
    & chmod $Mode $path
    Write-Host "installed $path"
}

Install-File 'offsite-nightly.ps1' 'usr/local/sbin/offsite-nightly.ps1' '755'
if ($Systemd) {
    Install-File 'systemd/onedrive-offsite.service' 'etc/systemd/system/onedrive-offsite.service'
    Install-File 'systemd/onedrive-offsite.timer' 'etc/systemd/system/onedrive-offsite.timer'
    if ($Root -eq '/' -and $PSCmdlet.ShouldProcess('onedrive-offsite.timer', 'systemctl enable --now')) {
        & systemctl daemon-reload
        & systemctl enable --now onedrive-offsite.timer
        if ($LASTEXITCODE -ne 0) { throw "systemctl enable --now onedrive-offsite.timer failed (exit $LASTEXITCODE)." }
    }
}
if ($Cron) { Install-File 'onedrive-offsite.cron' 'etc/cron.d/onedrive-offsite' }
if ($VzdumpHook) {
    Install-File 'offsite-vzdump-hook.ps1' 'usr/local/sbin/offsite-vzdump-hook.ps1' '755'
    $conf = Join-Path $Root 'etc/vzdump.conf'
    $existing = (Test-Path -LiteralPath $conf) ? (Get-Content -LiteralPath $conf) : @()
    if ($existing -match '^\s*script\s*:') { Write-Host "kept the hook script already set in $conf" }
    elseif ($PSCmdlet.ShouldProcess($conf, 'Set script: /usr/local/sbin/offsite-vzdump-hook.ps1')) {
        $null = New-Item -ItemType Directory -Path (Split-Path $conf) -Force
        Add-Content -LiteralPath $conf -Value 'script: /usr/local/sbin/offsite-vzdump-hook.ps1'
        Write-Host "set the vzdump hook in $conf"
    }
}
