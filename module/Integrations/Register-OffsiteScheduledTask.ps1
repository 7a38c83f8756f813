#Requires -Version 7.4
<#
.SYNOPSIS
Registers the nightly offsite backup with Windows Task Scheduler (run as Administrator).
.DESCRIPTION
Creates the task \OnedriveOffsite\Nightly that runs offsite-nightly.ps1 with pwsh.exe -NonInteractive every
night, as SYSTEM or as the given user (whose config home then holds the key and the sign-in). The task's "Last
Run Result" is the script's exit code: 0 after a verified backup, 1 after any failure (which also mails).
Not tested on this project's CI (Linux): it only calls the ScheduledTasks module's documented cmdlets.
.EXAMPLE
.\Register-OffsiteScheduledTask.ps1 -Path 'D:\dumps\sql-*.bak' -Name sql-main -At 02:30 -KeepLast 14
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $Name,
    [string] $Repository,
    [int] $KeepLast = 0,
    [DateTime] $At = '02:30',
    # Run as this user (asked for the password); default: SYSTEM.
    [pscredential] $Credential
)
$ErrorActionPreference = 'Stop'
$script = Join-Path $PSScriptRoot 'offsite-nightly.ps1'
$arguments = "-NoProfile -NonInteractive -ExecutionPolicy Bypass -File `"$script`" -Path `"$Path`" -Name `"$Name`" -KeepLast $KeepLast"
if ($Repository) { $arguments += " -Repository `"$Repository`"" }
$action = New-ScheduledTaskAction -Execute (Join-Path $PSHOME 'pwsh.exe') -Argument $arguments
$trigger = New-ScheduledTaskTrigger -Daily -At $At
$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -DontStopOnIdleEnd -ExecutionTimeLimit ([TimeSpan]::FromHours(36)) -MultipleInstances IgnoreNew
$register = @{ TaskName = 'Nightly'; TaskPath = '\OnedriveOffsite\'; Action = $action; Trigger = $trigger; Settings = $settings }
if ($Credential) { $register.User = $Credential.UserName; $register.Password = $Credential.GetNetworkCredential().Password }
else { $register.User = 'SYSTEM'; $register.RunLevel = 'Highest' }
if ($PSCmdlet.ShouldProcess('\OnedriveOffsite\Nightly', 'Register scheduled task')) {
    Register-ScheduledTask @register -Force
}
