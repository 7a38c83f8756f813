#Requires -Version 7.4
<#
.SYNOPSIS
    A real backup (format 2, the default), a second backup of the unchanged file and a restore on the built-in local
    repository, with a throwaway config home and key.
    Run through the README's command: dotnet tool restore && dotnet pwsh ./build.ps1 Demo
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../output/OnedriveOffsite/OnedriveOffsite.psd1'),
    [long] $Size = 256MB
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot 'SampleData.psm1') -Force
Import-Module $ModulePath -Force

$work = Join-Path ([IO.Path]::GetTempPath()) ("onedrive-offsite-demo-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$previousHome = $env:ONEDRIVE_OFFSITE_HOME
try {
    $env:ONEDRIVE_OFFSITE_HOME = Join-Path $work 'config'
    $repository = (New-Item -ItemType Directory -Path (Join-Path $work 'repository')).FullName
    $restoreDir = (New-Item -ItemType Directory -Path (Join-Path $work 'restored')).FullName
    $sample = Join-Path $work 'vzdump-qemu-101-demo.vma'

    Write-Host "1. A throwaway config home and key in $work"
    $key = New-OffsiteKey -WarningAction SilentlyContinue
    Write-Host "   key id $($key.KeyId), key file $($key.Path)"

    Write-Host ("2. A {0:N0} MiB sample: half log-like text, half random bytes" -f ($Size / 1MB))
    New-MixedFile -Path $sample -Size $Size
    $sourceHash = (Get-FileHash -LiteralPath $sample -Algorithm SHA256).Hash.ToLowerInvariant()

    Write-Host "3. Start-OffsiteBackup to the local repository $repository (format 2, the default: deduplicated chunks in packs)"
    $snapshot = Get-Item -LiteralPath $sample | Start-OffsiteBackup -Name demo-vm-101 -Repository $repository

    Write-Host "4. Start-OffsiteBackup of the unchanged file again: it stores only chunks the set does not hold yet"
    $again = Start-OffsiteBackup -LiteralPath $sample -Name demo-vm-101 -Repository $repository

    Write-Host "5. Get-OffsiteBackup"
    Get-OffsiteBackup -Repository $repository |
        Format-List Name, SnapshotId, Created, State, Format, SourceName, SourceSize, StoredSize, AddedSize, Compression, KeyId, Sha256 | Out-Host

    Write-Host "6. Restore-OffsiteBackup of the second snapshot (verified before it gets its name)"
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $restored = $again | Restore-OffsiteBackup -Destination $restoreDir
    $restoreSeconds = $watch.Elapsed.TotalSeconds
    $restoredHash = (Get-FileHash -LiteralPath $restored.FullName -Algorithm SHA256).Hash.ToLowerInvariant()

    $ok = $restoredHash -eq $sourceHash -and $snapshot.Sha256 -eq $sourceHash -and $again.Sha256 -eq $sourceHash
    Write-Host ''
    [pscustomobject]@{
        'Source'            = '{0:N1} MiB' -f ($Size / 1MB)
        'Stored'            = '{0:N1} MiB ({1:P0} of the source, format {2})' -f ($snapshot.StoredSize / 1MB), ($snapshot.StoredSize / $Size), $snapshot.Format
        'Backup'            = '{0:N1} s, {1:N0} MB/s' -f $snapshot.Duration.TotalSeconds, $snapshot.MBPerSecond
        'Second backup'     = '{0:N1} s, {1:N0} MB/s, {2:N1} KiB stored ({3:N0} bytes of new packs)' -f $again.Duration.TotalSeconds,
                              $again.MBPerSecond, ($again.StoredSize / 1KB), $again.AddedSize
        'Restore'           = '{0:N1} s, {1:N0} MB/s' -f $restoreSeconds, ($Size / 1e6 / $restoreSeconds)
        'SHA-256 source'    = $sourceHash
        'SHA-256 restored'  = $restoredHash
    } | Format-List | Out-Host
    if (-not $ok) { throw "Demo FAILED: the restored file differs from the source." }
    Write-Host 'Verdict: PASS - the restored file is bit-for-bit identical to the source.' -ForegroundColor Green
}
finally {
    $env:ONEDRIVE_OFFSITE_HOME = $previousHome
    Remove-Module OnedriveOffsite -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
