#!/usr/bin/env pwsh
#Requires -Version 7.4
<#
.SYNOPSIS
Nightly offsite backup of the newest file matching a pattern, then a quick check of the snapshot it made.
.DESCRIPTION
Meant for cron, a systemd timer or Windows Task Scheduler (`pwsh -NonInteractive -File offsite-nightly.ps1 …`).
Every failure ends the script with exit code 1 and, when Set-OffsiteNotification is configured, an
`Error - <Name>` mail: no file matching -Path, a backup error (sign-in to renew, OneDrive full, …), or a
snapshot that fails Test-OffsiteBackup. Optional retention (-KeepLast) runs only after both succeeded.
.EXAMPLE
pwsh -NonInteractive -File offsite-nightly.ps1 -Path '/var/lib/vz/dump/vzdump-qemu-101-*.vma.zst' -Name pve-101 -KeepLast 7
#>
[CmdletBinding()]
param(
    # Files to consider (wildcards); the newest one by modification time is backed up.
    [Parameter(Mandatory)] [string] $Path,
    # The backup set.
    [Parameter(Mandatory)] [string] $Name,
    # Where to store it (default: onedrive:).
    [string] $Repository,
    # Keep this many snapshots of the set after a verified backup (0: no retention).
    [int] $KeepLast = 0,
    # Delete the source file once its snapshot is complete and verified.
    [switch] $RemoveSource,
    # The backup format: 2 (deduplicated) or 1 (a full copy in parts). Default: Start-OffsiteBackup's (2).
    [ValidateSet(1, 2)] [int] $Format
)
$ErrorActionPreference = 'Stop'
# ONEDRIVE_OFFSITE_MODULE: a module name or .psd1 path, for a module that is not on this user's PSModulePath.
Import-Module ($env:ONEDRIVE_OFFSITE_MODULE ? $env:ONEDRIVE_OFFSITE_MODULE : 'OnedriveOffsite')

$repositoryArgs = $Repository ? @{ Repository = $Repository } : @{}
$formatArgs = $PSBoundParameters.ContainsKey('Format') ? @{ Format = $Format } : @{}
# An empty match still reaches Start-OffsiteBackup as an empty pipeline: it fails with NoSourceFile and mails.
$snapshot = Get-ChildItem -Path $Path -File -ErrorAction SilentlyContinue | Sort-Object LastWriteTimeUtc | Select-Object -Last 1 |
    Start-OffsiteBackup -Name $Name -RemoveSource:$RemoveSource @repositoryArgs @formatArgs
# A damaged snapshot writes a VerificationFailed error (and mails): with 'Stop' the script ends here, exit 1.
$null = $snapshot | Test-OffsiteBackup
if ($KeepLast -gt 0) {
    Remove-OffsiteBackup -Name $Name -KeepLast $KeepLast -Force @repositoryArgs
}
Write-Output "Backed up $($snapshot.SourceName) to $Name as $($snapshot.SnapshotId)."
