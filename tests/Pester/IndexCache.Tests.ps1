#Requires -Version 7.4
# The local index cache of format 2 (docs/FORMAT.md §9.12) through the built module: a second backup reads its set's
# index from the config home instead of the repository, and a deleted or damaged cache only costs a rebuild.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    $script:Module = Get-TestModuleManifest
    Import-Module $script:Module -Force
    $script:ConfigHome = Join-Path $TestDrive 'home'
    $env:ONEDRIVE_OFFSITE_HOME = $script:ConfigHome
    $null = New-OffsiteKey -WarningAction SilentlyContinue
    $script:Repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo')).FullName
    $script:CacheDir = Join-Path $script:ConfigHome 'index-cache'

    $bytes = [byte[]]::new(3MB); [Random]::new(12).NextBytes($bytes)
    $script:Source = Join-Path $TestDrive 'vm.img'
    [IO.File]::WriteAllBytes($script:Source, $bytes)

    # Runs a format 2 backup of the source; returns the snapshot and the verbose lines.
    function Invoke-Backup {
        $lines = Start-OffsiteBackup -LiteralPath $script:Source -Name vm -Repository $script:Repo -Format 2 -NoNotification -Verbose 4>&1
        [pscustomobject]@{
            Snapshot = $lines | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] } | Select-Object -Last 1
            Verbose = ($lines | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | ForEach-Object Message) -join "`n"
        }
    }

    function Assert-RestoresBitExact($Snapshot, [string] $Name) {
        $target = Join-Path $TestDrive $Name
        $lines = Restore-OffsiteBackup -InputObject $Snapshot -Destination $target -NoNotification -Verbose 4>&1
        (Get-FileHash $target).Hash | Should -Be (Get-FileHash $script:Source).Hash
        ($lines | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | ForEach-Object Message) -join "`n"
    }
}

AfterAll {
    Remove-Item Env:ONEDRIVE_OFFSITE_HOME -ErrorAction SilentlyContinue
}

Describe 'Local index cache (format 2)' {
    It 'a second backup loads the index from the cache and downloads no index file' {
        $first = Invoke-Backup
        $first.Verbose | Should -Match 'now includes index file'
        @(Get-ChildItem -LiteralPath $script:CacheDir -Filter *.ooic).Count | Should -Be 1

        $second = Invoke-Backup

        $second.Verbose | Should -Match "Index of set 'vm': 1 index file\(s\) loaded from the local index cache, 0 downloaded"
        $second.Snapshot.SnapshotId | Should -Not -Be $first.Snapshot.SnapshotId
        Assert-RestoresBitExact $second.Snapshot 'second.img' | Should -Match '0 downloaded'
    }

    It 'a damaged cache file is rebuilt from the repository and backup and restore stay correct' {
        $file = (Get-ChildItem -LiteralPath $script:CacheDir -Filter *.ooic | Select-Object -First 1).FullName
        $bytes = [IO.File]::ReadAllBytes($file)
        $bytes[4096 + 7] = $bytes[4096 + 7] -bxor 0x20   # an entry in the first page
        [IO.File]::WriteAllBytes($file, $bytes)

        $third = Invoke-Backup

        $third.Verbose | Should -Match 'cannot be used'
        $third.Verbose | Should -Match '0 index file\(s\) loaded from the local index cache, 1 downloaded'
        Assert-RestoresBitExact $third.Snapshot 'third.img' | Should -Match '1 index file\(s\) loaded from the local index cache, 0 downloaded'
    }

    It 'a deleted cache file is rebuilt by a restore, which restores bit for bit' {
        Remove-Item -LiteralPath $script:CacheDir -Recurse -Force
        $snapshot = Get-OffsiteBackup -Name vm -Repository $script:Repo | Select-Object -First 1

        $verbose = Assert-RestoresBitExact $snapshot 'fourth.img'

        $verbose | Should -Match 'No local index cache'
        $verbose | Should -Match '0 index file\(s\) loaded from the local index cache, 1 downloaded'
        @(Get-ChildItem -LiteralPath $script:CacheDir -Filter *.ooic).Count | Should -Be 1
    }
}
